package dev.extfarm.registry.recipe;

import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.egress.AllowList;
import dev.extfarm.recipe.egress.EgressPolicy;
import dev.extfarm.recipe.egress.EgressRefusedException;
import dev.extfarm.recipe.source.SourceFetcherConfig;
import dev.extfarm.registry.problem.ExtfarmException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The push-time half of the source address rules: a recipe whose {@code source.url} leads to an
 * address the farm does not fetch from is refused (422, problem type naming the rule, e.g.
 * {@code source-address-forbidden}) before anything is stored. Workers check again when they fetch,
 * since DNS answers change; a name that does not resolve now is accepted with a warning.
 */
@ApplicationScoped
public class SourceAddresses {

    private final EgressPolicy policy;

    SourceAddresses(SourceConfig config) {
        this.policy = EgressPolicy.publicOnly(SourceFetcherConfig.ALLOW_SETTING)
                .withAllowList(AllowList.parse(config.allow().orElse("")));
    }

    /** Created at start, so that a bad allow-list entry stops the registry there, named. */
    void onStart(@Observes StartupEvent event) {
        policy.allowList();
    }

    /**
     * @return a warning when the host could not be resolved now
     * @throws ExtfarmException 422 {@code source-<rule>} when the egress policy refuses the URL
     */
    public Optional<String> check(Recipe recipe) {
        List<String> warnings = new ArrayList<>();
        for (Recipe.Source source : recipe.sources()) {   // the top-level source and each variant's
            if (source instanceof Recipe.UrlSource url) {
                check(url.url()).ifPresent(warnings::add);
            }
            // Debian sources come from the operator's mirror; bundled ones travel with the recipe
        }
        return warnings.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", warnings));
    }

    private Optional<String> check(URI url) {
        try {
            policy.check(url);
            return Optional.empty();
        } catch (EgressRefusedException e) {
            String code = e.rule().code("source");
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, code, "Source refused",
                    "source.url " + url + ": " + e.getMessage() + ". Nothing was stored.")
                    .with("field", "source.url").with("rule", code);
        } catch (UnknownHostException e) {
            return Optional.of("source.url: " + url.getHost() + " does not resolve from the registry now; workers check its "
                    + "addresses again when they fetch it");
        }
    }
}
