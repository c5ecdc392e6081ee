package dev.extfarm.registry.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Webhook deliveries. A failed delivery is retried after {@code initial-delay}, then twice as long
 * each time (capped at {@code max-delay}), {@code max-attempts} attempts in all. Receivers must be
 * on public addresses unless {@code allow} names them (the address rules of recipe sources).
 */
@ConfigMapping(prefix = "extfarm.webhook")
public interface WebhookConfig {

    /** How often due deliveries are looked for (the scheduler's resolution is one second). */
    @WithDefault("1s")
    Duration pollInterval();

    @WithDefault("10s")
    Duration initialDelay();

    @WithDefault("1h")
    Duration maxDelay();

    @WithDefault("8")
    int maxAttempts();

    /** Connect + response timeout of one attempt. */
    @WithDefault("10s")
    Duration timeout();

    /** Deliveries sent per poll (concurrently). */
    @WithDefault("20")
    int batch();

    /**
     * Non-public addresses webhooks may be delivered to (EXTFARM_WEBHOOK_ALLOW): address blocks,
     * addresses, address:port, host names, comma-separated (docs/operations.md). Empty: public only.
     */
    Optional<String> allow();
}
