package dev.extfarm.registry.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.extfarm.registry.support.Api;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, item 8: webhooks follow the address rules of recipe sources. With the allow list empty
 * (the default), a receiver on the registry's host or network is refused when the webhook is
 * created (422, nothing stored) and, should its name lead there later, when a delivery is due:
 * the delivery is recorded as refused with the rule, and no request is sent.
 */
@QuarkusTest
class WebhookEgressTest {

    @TestHTTPResource("/")
    URL registry;
    @Inject
    EntityManager em;

    @Test
    void internalReceiversAreRefusedWhenTheWebhookIsCreated() {
        Seed seed = new Seed(Seed.unique("w"));
        String name = Seed.unique("egress");
        seed.push(name, "1.0", List.of(15), "e");
        int port = registry.getPort();
        for (String url : List.of(
                "http://127.0.0.1:" + port + "/api/v1/admin/tokens",
                "http://127.0.0.1:" + port + "/q/metrics",
                "http://localhost:" + port + "/q/metrics",
                "http://[::1]:" + port + "/api/v1/admin/tenants",
                "http://[::ffff:7f00:1]:" + port + "/q/metrics",
                "http://169.254.169.254/latest/meta-data/",
                "http://10.1.2.3/hooks", "https://192.168.1.10/hooks", "http://[fd00::1]/hooks")) {
            Api.as(seed.maintainer).contentType(ContentType.JSON).body(Map.of("url", url))
                    .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(422)
                    .contentType("application/problem+json").body("type", equalTo("/problems/webhook-address-forbidden"))
                    .body("detail", containsString("EXTFARM_WEBHOOK_ALLOW"));
        }
        Api.as(seed.maintainer).contentType(ContentType.JSON).body(Map.of("url", "http://0177.0.0.1:" + port + "/q/metrics"))
                .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(422)
                .body("type", equalTo("/problems/webhook-url-host"));
        Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks").then().statusCode(200)
                .body("webhooks.size()", equalTo(0));
    }

    @Test
    void aDeliveryToAnAddressThatBecameInternalIsRefusedWithoutARequest() throws Exception {
        Seed seed = new Seed(Seed.unique("w"));
        String name = Seed.unique("rebind");
        seed.push(name, "1.0", List.of(15), "r");
        try (Receiver receiver = new Receiver()) {
            // created for a name that does not resolve now (accepted), which later leads to loopback
            long hook = Api.as(seed.maintainer).contentType(ContentType.JSON).body(Map.of("url", "http://hooks.invalid/extfarm"))
                    .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(201).extract().<Number>path("id").longValue();
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE webhook SET url = :u WHERE id = :id")
                    .setParameter("u", receiver.url("/q/metrics").toString()).setParameter("id", hook).executeUpdate());

            Api.as(seed.maintainer).post("/api/v1/extensions/" + name + "/webhooks/" + hook + "/ping").then().statusCode(202);
            long deadline = System.currentTimeMillis() + 20_000;
            String state;
            do {
                Thread.sleep(300);
                state = Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks/" + hook + "/deliveries")
                        .then().extract().path("deliveries[0].state");
            } while (!"refused".equals(state) && System.currentTimeMillis() < deadline);

            assertThat(state).isEqualTo("refused");
            Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks/" + hook + "/deliveries").then()
                    .body("deliveries[0].refused_rule", equalTo("webhook-address-forbidden"))
                    .body("deliveries[0].last_status", nullValue())
                    .body("deliveries[0].last_error", containsString("127.0.0.1 is a loopback address"))
                    .body("deliveries[0].last_error", containsString("no request was sent"))
                    .body("deliveries[0].next_attempt_at", nullValue());
            Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks").then()
                    .body("webhooks[0].last_delivery.state", equalTo("refused"));
            assertThat(receiver.poll(2000)).as("the receiver heard nothing").isNull();
        }
    }
}
