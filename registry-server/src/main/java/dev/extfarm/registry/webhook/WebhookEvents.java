package dev.extfarm.registry.webhook;

import dev.extfarm.registry.builds.BuildFinished;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;

/**
 * Turns finished builds into deliveries once their transaction has committed (a webhook never
 * hears of a result that was rolled back, and a failure here never undoes the build's result).
 */
@ApplicationScoped
public class WebhookEvents {

    @Inject
    WebhookOutbox outbox;

    void onFinished(@Observes(during = TransactionPhase.AFTER_SUCCESS) BuildFinished event) {
        try {
            int n = outbox.enqueue(event.buildId());
            if (n > 0) {
                Log.debugf("build %s (%s): %s webhook deliveries queued", (Object) event.buildId(), event.extension(), n);
            }
        } catch (RuntimeException e) {
            Log.warnf(e, "build %d: webhook deliveries could not be queued", event.buildId());
        }
    }
}
