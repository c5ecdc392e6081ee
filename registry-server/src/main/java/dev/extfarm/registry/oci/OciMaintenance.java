package dev.extfarm.registry.oci;

import dev.extfarm.registry.builds.BuildFinished;
import dev.extfarm.registry.builds.BuildStatus;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicBoolean;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Background work of the OCI API, safe to run on every replica at once (each step is idempotent):
 * <ul>
 *   <li>the backfill: images for bundles that have none, and the farm's signature artifact for
 *       images that lack it ({@link SignatureArtifacts}) (published before /v2 existed, or whose
 *       worker push failed), a few seconds after start, every {@code extfarm.oci.backfill.every} and
 *       right after a build succeeded;
 *       moving tags of bundles reviewed since the last run;</li>
 *   <li>upload sessions idle for {@code extfarm.oci.upload-max-age}, with their chunks;</li>
 *   <li>bytes of blobs no repository links any more, after {@link #GARBAGE_GRACE}.</li>
 * </ul>
 */
@ApplicationScoped
public class OciMaintenance {

    static final Duration GARBAGE_GRACE = Duration.ofMinutes(10);

    @Inject
    BundleImages images;
    @Inject
    SignatureArtifacts signatures;
    @Inject
    Uploads uploads;
    @Inject
    BlobIntake intake;
    @Inject
    BlobIndex index;
    @Inject
    OciConfig config;
    @Inject
    Vertx vertx;

    private final AtomicBoolean backfillQueued = new AtomicBoolean();

    private volatile OffsetDateTime reviewsSeen = OffsetDateTime.now().minusMinutes(10);

    @Scheduled(every = "${extfarm.oci.backfill.every:60s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledBackfill() {
        if (config.backfill().enabled()) {
            backfill();
        }
    }

    /** A build just published a bundle: make sure its image exists now, not at the next scheduled run. */
    void onBuildFinished(@Observes(during = TransactionPhase.AFTER_SUCCESS) BuildFinished event) {
        if (event.status() == BuildStatus.SUCCEEDED && config.backfill().enabled() && backfillQueued.compareAndSet(false, true)) {
            vertx.executeBlocking(() -> {
                backfillQueued.set(false);
                return backfill();
            }, false).onFailure(e -> Log.warnf("backfill after build %d failed (will retry): %s", event.buildId(), e.getMessage()));
        }
    }

    /** Creates missing bundle images (one batch) and refreshes moving tags; returns how many images were created. */
    public synchronized int backfill() {
        int created = 0;
        for (String sha256 : images.missing(config.backfill().batch())) {
            try {
                images.create(sha256);
                created++;
            } catch (Exception e) {
                BundleImages.log(sha256, e);
            }
        }
        if (created > 0) {
            Log.infof("created the OCI images of %d bundle(s)", created);
        }
        int attached = 0;
        for (String sha256 : signatures.missing(config.backfill().batch())) {
            try {
                attached += signatures.attach(sha256).isPresent() ? 1 : 0;
            } catch (Exception e) {
                Log.warnf("could not attach the signature of bundle %s to its image (will retry): %s", sha256, e.getMessage());
            }
        }
        if (attached > 0) {
            Log.infof("attached the farm's signature to %d bundle image(s)", attached);
        }
        OffsetDateTime now = OffsetDateTime.now();
        for (Object[] g : images.reviewedSince(reviewsSeen.minusSeconds(5))) {
            images.refreshMovingTag((String) g[0], (String) g[1], ((Number) g[2]).intValue());
        }
        reviewsSeen = now;
        return created;
    }

    @Scheduled(every = "15m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            List<Uploads.Session> expired = uploads.expire(config.uploadMaxAge());
            for (Uploads.Session s : expired) {
                intake.deleteChunks(s);
            }
            int removed = 0;
            for (Object[] g : index.garbage(GARBAGE_GRACE, 1000)) {
                if (index.collect((String) g[0], (String) g[1])) {
                    removed++;
                }
            }
            if (!expired.isEmpty() || removed > 0) {
                Log.infof("removed %d expired upload(s) and %d unreferenced blob(s)", expired.size(), removed);
            }
        } catch (Exception e) {
            Log.warnf("OCI sweep failed (will retry): %s", e.getMessage());
        }
    }
}
