package dev.extfarm.registry.db;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Stops the embedded PostgreSQL (if this process started one) when the application stops. */
@ApplicationScoped
class EmbeddedDatabaseLifecycle {

    void onStop(@Observes ShutdownEvent event) {
        EmbeddedDatabase.stop();
    }
}
