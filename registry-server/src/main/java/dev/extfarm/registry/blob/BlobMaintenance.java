package dev.extfarm.registry.blob;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;

/**
 * Removes temporaries of writes that never finished (a crash or kill mid-upload). At start, a
 * filesystem store (one process owns it) drops all of them; an S3 store, shared by replicas, only
 * those idle for {@code extfarm.blob.temp-max-age}. The same sweep runs every 15 minutes.
 */
@ApplicationScoped
public class BlobMaintenance {

    @Inject
    BlobStore store;
    @Inject
    BlobStoreConfig config;

    void onStart(@Observes StartupEvent event) {
        sweep(config.kind() == BlobStoreConfig.Kind.FILESYSTEM ? Duration.ZERO : config.tempMaxAge());
    }

    @Scheduled(every = "15m", delayed = "15m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodic() {
        sweep(config.tempMaxAge());
    }

    void sweep(Duration olderThan) {
        try {
            int n = store.cleanTemporaries(olderThan);
            if (n > 0) {
                Log.infof("removed %d unfinished upload(s) from the blob store", n);
            }
        } catch (IOException e) {
            Log.warnf("could not clean unfinished uploads: %s", e.getMessage());
        }
    }
}
