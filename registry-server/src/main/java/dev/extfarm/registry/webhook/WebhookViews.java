package dev.extfarm.registry.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** The webhook API's documents (JSON in snake_case). */
public final class WebhookViews {

    private WebhookViews() {
    }

    /** What to register: the receiver, the build results it wants (default failed, farm-error, succeeded), an optional secret. */
    public record CreateRequest(String url, List<String> events, String secret) {
    }

    /** A webhook; {@code secret} only in the answer to its creation. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Webhook(long id, String extension, String url, List<String> events, Instant createdAt, String secret,
                          Delivery lastDelivery) {
    }

    /**
     * {@code state}: pending, retrying, delivered, given-up, refused (the address rules refused the
     * receiver: no request was sent; {@code refused_rule} names the rule, {@code last_error} why).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Delivery(long id, String event, Long buildId, String state, int attempts, Integer lastStatus, String lastError,
                           Instant createdAt, Instant deliveredAt, Instant nextAttemptAt, String refusedRule) {
    }

    public record WebhookList(String extension, List<Webhook> webhooks) {
    }

    public record DeliveryList(long webhookId, List<Delivery> deliveries) {
    }
}
