package dev.extfarm.registry.gc;

import dev.extfarm.registry.blob.BlobInfo;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deletes blob-store objects nothing in the database refers to ({@link BlobUse#ORPHAN}) once their
 * bytes are older than {@code extfarm.gc.grace}: the bytes of an upload that died between
 * publishing and recording, chunks of OCI sessions already gone, logs of deleted builds. Never
 * touched: referenced blobs, in-flight ones (open OCI upload sessions, logs of builds not yet
 * archived), unlinked OCI blobs (the OCI sweep owns those, docs/oci.md) and unknown layouts; store
 * temporaries are {@code BlobMaintenance}'s.
 *
 * <p>Each delete happens inside a transaction holding the advisory lock the writer of that key
 * takes while recording it, after looking the key up again: a concurrent upload of the same bytes
 * either recorded its row first (the blob is kept) or finds its blob gone and is asked to send it
 * again (BundleRecorder, BlobIndex#link). Safe on every replica at once.
 */
@ApplicationScoped
public class BlobCollector {

    /** What one run did. */
    public record Run(int scanned, List<String> deleted, int youngOrphans) {
    }

    @Inject
    BlobCensus census;
    @Inject
    BlobReferences references;
    @Inject
    BlobStore store;
    @Inject
    GcConfig config;
    @Inject
    MeterRegistry metrics;

    @Scheduled(every = "${extfarm.gc.every:1h}", delayed = "${extfarm.gc.every:1h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (!config.enabled()) {
            return;
        }
        try {
            Run run = collect(config.grace());
            if (!run.deleted().isEmpty()) {
                Log.infof("blob GC: deleted %d unreferenced blob(s) of %d", run.deleted().size(), run.scanned());
            }
        } catch (IOException | RuntimeException e) {
            Log.warnf("blob GC failed (will retry next run): %s", e.getMessage());
        }
    }

    /** One pass: deletes orphans whose bytes are older than {@code grace}. */
    public Run collect(Duration grace) throws IOException {
        Instant cutoff = Instant.now().minus(grace);
        BlobCensus.Result result = census.take();
        List<String> deleted = new ArrayList<>();
        int young = 0;
        for (BlobCensus.Unreferenced u : result.unreferenced()) {
            if (u.use() != BlobUse.ORPHAN) {
                continue;
            }
            if (!oldEnough(u.blob(), cutoff)) {
                young++;
            } else if (deleteIfStillOrphan(u.blob().key(), cutoff)) {
                deleted.add(u.blob().key().path());
            }
        }
        metrics.counter("extfarm.blob.gc.deleted").increment(deleted.size());
        return new Run(result.blobs(), deleted, young);
    }

    @Transactional
    boolean deleteIfStillOrphan(BlobKey key, Instant cutoff) throws IOException {
        references.lockWriters(key.path());
        if (references.use(key.path()) != BlobUse.ORPHAN) {
            return false;
        }
        Optional<BlobInfo> now = store.stat(key);
        return now.isPresent() && oldEnough(now.get(), cutoff) && store.delete(key);
    }

    private static boolean oldEnough(BlobInfo blob, Instant cutoff) {
        return blob.modified() != null && blob.modified().isBefore(cutoff);
    }
}
