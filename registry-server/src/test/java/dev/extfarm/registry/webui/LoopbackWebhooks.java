package dev.extfarm.registry.webui;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The operator's allow list for webhook receivers on 127.0.0.1 ({@link Receiver}): without it the
 * farm refuses to deliver to loopback (WebhookEgressTest).
 */
public class LoopbackWebhooks implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("extfarm.webhook.allow", "127.0.0.1");
    }
}
