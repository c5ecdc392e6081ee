package dev.extfarm.registry.builds;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Queues one reproducibility rebuild for every newly published bundle: when a build succeeds with
 * a bundle no earlier build was verified for, a job with the same inputs is queued with reason
 * {@value Reproducibility#REASON}, low priority (claimed only when no other job of the target
 * waits) and the build cache bypassed. Cached builds publish nothing new and are not verified.
 */
@ApplicationScoped
public class ReproducibilityScheduler {

    @Inject
    EntityManager em;
    @ConfigProperty(name = "extfarm.reproducibility.verify", defaultValue = "true")
    boolean enabled;

    void onFinished(@Observes(during = TransactionPhase.AFTER_SUCCESS) BuildFinished event) {
        if (!enabled || event.status() != BuildStatus.SUCCEEDED) {
            return;
        }
        try {
            scheduleFor(event.buildId());
        } catch (RuntimeException e) {
            Log.warnf(e, "the reproducibility rebuild of build %d was not queued", event.buildId());
        }
    }

    /** Queues the rebuild of build {@code publishedBy}'s bundle unless that bundle is verified (or queued) already. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<Long> scheduleFor(long publishedBy) {
        Build p = em.find(Build.class, publishedBy);
        if (p == null || ReproducibilityReports.isVerification(p) || p.bundleSha256 == null || p.status() != BuildStatus.SUCCEEDED) {
            return Optional.empty();
        }
        boolean verified = ((Number) em.createNativeQuery("SELECT count(*) FROM build v JOIN build o ON o.id = v.verifies "
                + "WHERE v.reason = 'reproducibility' AND o.bundle_sha256 = :s").setParameter("s", p.bundleSha256)
                .getSingleResult()).longValue() > 0;
        if (verified) {
            return Optional.empty();
        }
        Build b = new Build();
        b.extensionName = p.extensionName;
        b.version = p.version;
        b.recipeRevision = p.recipeRevision;
        b.sourceSha256 = p.sourceSha256;
        b.pgMajor = p.pgMajor;
        b.platform = p.platform;
        b.metaFormat = p.metaFormat;
        b.status = BuildStatus.QUEUED.id();
        b.reason = Reproducibility.REASON;
        b.bypassCache = true;
        b.lowPriority = true;
        b.verifies = p.id;
        b.persist();
        Log.infof("build %d published %s for PostgreSQL %d: reproducibility rebuild queued as build %d", p.id, p.extensionName,
                p.pgMajor, b.id);
        return Optional.of(b.id);
    }
}
