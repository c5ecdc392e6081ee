package dev.extfarm.registry.webhook;

import dev.extfarm.recipe.egress.AllowList;
import dev.extfarm.recipe.egress.EgressHttpClient;
import dev.extfarm.recipe.egress.EgressPolicy;
import dev.extfarm.recipe.egress.EgressRefusedException;
import dev.extfarm.registry.problem.ExtfarmException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Where webhooks may go: the address rules of recipe sources ({@link EgressPolicy}), with the
 * operator's allow list {@code extfarm.webhook.allow} (EXTFARM_WEBHOOK_ALLOW). Checked when a
 * webhook is created (422 {@code webhook-address-forbidden}, ...) and by the client that delivers,
 * for every connection (the DNS answer may have changed since).
 */
@ApplicationScoped
public class WebhookEgress {

    public static final String ALLOW_SETTING = "EXTFARM_WEBHOOK_ALLOW";

    private final EgressPolicy policy;
    private final EgressHttpClient client;

    WebhookEgress(WebhookConfig config) {
        this.policy = EgressPolicy.publicOnly(ALLOW_SETTING).withAllowList(AllowList.parse(config.allow().orElse("")));
        this.client = new EgressHttpClient(policy, config.timeout());
    }

    /** Created at start, so that a bad allow-list entry stops the registry there, named. */
    void onStart(@Observes StartupEvent event) {
        policy.allowList();
    }

    void onStop(@Observes ShutdownEvent event) {
        client.close();
    }

    /** The client every delivery goes through. */
    EgressHttpClient client() {
        return client;
    }

    /**
     * Refuses a receiver the farm would not deliver to (422, nothing stored). A name that does not
     * resolve now is accepted: delivery checks it again.
     */
    void checkReceiver(URI url) {
        try {
            policy.check(url);
        } catch (EgressRefusedException e) {
            String code = e.rule().code("webhook");
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, code, "Webhook receiver refused",
                    "url: " + e.getMessage() + ". Nothing was stored.").with("rule", code);
        } catch (UnknownHostException e) {
            // not an address rule; deliveries will say "no answer" until it resolves
        }
    }
}
