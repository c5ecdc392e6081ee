package dev.extfarm.registry.builds;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds waiting for a dependency ({@code dependency-unavailable}) are queued again when it is
 * published: a succeeded (or cached) build of extension X for a major and platform queues, once,
 * the revision of every build that waits for X on that target and is still its extension's latest
 * build there. A build that still misses another dependency then waits for that one.
 */
@ApplicationScoped
public class DependencyWaits {

    /** The failure cause of a build whose dependencies are not published for its target yet. */
    public static final String CAUSE = "dependency-unavailable";

    @Inject
    EntityManager em;
    @Inject
    BuildScheduler scheduler;

    void onFinished(@Observes(during = TransactionPhase.AFTER_SUCCESS) BuildFinished event) {
        if (event.status() != BuildStatus.SUCCEEDED && event.status() != BuildStatus.CACHED) {
            return;
        }
        try {
            // a reproducibility rebuild publishes nothing: only the build it verifies did
            if (reproducibility(event.buildId())) {
                return;
            }
            requeueWaitingFor(event.buildId());
        } catch (RuntimeException e) {
            Log.warnf(e, "builds waiting for the bundle of build %d were not queued again", event.buildId());
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    boolean reproducibility(long buildId) {
        Build b = em.find(Build.class, buildId);
        return b != null && ReproducibilityReports.isVerification(b);
    }

    /** Queues again what waited for the extension build {@code publishedBy} made; returns the new builds' ids. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public List<Long> requeueWaitingFor(long publishedBy) {
        Build published = em.find(Build.class, publishedBy);
        @SuppressWarnings("unchecked")
        List<Number> waiting = em.createNativeQuery("SELECT w.build_id FROM build_dependency_wait w JOIN build b ON b.id = w.build_id "
                        + "WHERE w.extension_name = :x AND b.pg_major = :m AND b.platform = :p AND b.status = 'failed' "
                        + "AND NOT EXISTS (SELECT 1 FROM build later WHERE later.extension_name = b.extension_name "
                        + "AND later.pg_major = b.pg_major AND later.platform = b.platform AND later.id > b.id "
                        + "AND later.reason <> 'reproducibility') "
                        + "ORDER BY w.build_id FOR UPDATE OF b")
                .setParameter("x", published.extensionName).setParameter("m", published.pgMajor).setParameter("p", published.platform)
                .getResultList();
        List<Long> queued = new ArrayList<>();
        for (Number id : waiting) {
            Build b = em.find(Build.class, id.longValue());
            em.createNativeQuery("DELETE FROM build_dependency_wait WHERE build_id = :b").setParameter("b", b.id).executeUpdate();
            var scheduled = scheduler.schedule(new BuildScheduler.Revision(b.recipeRevision, b.extensionName, b.version, b.sourceSha256),
                    List.of(b.pgMajor), true, null);
            for (BuildScheduler.Scheduled s : scheduled) {
                queued.add(s.buildId());
                Log.infof("build %d (%s, PostgreSQL %d) waited for %s: queued again as build %d", b.id, b.extensionName, b.pgMajor,
                        published.extensionName, s.buildId());
            }
        }
        return queued;
    }
}
