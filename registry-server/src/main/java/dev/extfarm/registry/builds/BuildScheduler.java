package dev.extfarm.registry.builds;

import dev.extfarm.bundle.BundleManifest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;

/** Puts builds of a recipe revision in the queue: one per PostgreSQL major, on the farm's platform for it. */
@ApplicationScoped
public class BuildScheduler {

    /** A build put in the queue. */
    public record Scheduled(long buildId, int pgMajor, String platform) {
    }

    /** What a revision is built from. */
    public record Revision(String digest, String extension, String version, String sourceSha256) {
    }

    @Inject
    EntityManager em;
    @Inject
    FarmTargets targets;

    /**
     * Queues one build per major (majors the farm does not serve are skipped). A rebuild bypasses
     * the build cache and skips majors that already have a queued or running build of this revision.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Scheduled> schedule(Revision r, List<Integer> pgMajors, boolean rebuild, Long requestedBy) {
        List<Scheduled> out = new ArrayList<>();
        for (int major : pgMajors) {
            String platform = targets.platformFor(major).orElse(null);
            if (platform == null || rebuild && isPending(r.digest(), major)) {
                continue;
            }
            Build b = new Build();
            b.extensionName = r.extension();
            b.version = r.version();
            b.recipeRevision = r.digest();
            b.sourceSha256 = r.sourceSha256();
            b.pgMajor = major;
            b.platform = platform;
            b.metaFormat = BundleManifest.META_FORMAT;
            b.status = BuildStatus.QUEUED.id();
            b.reason = rebuild ? "rebuild" : "push";
            b.bypassCache = rebuild;
            b.requestedBy = requestedBy;
            b.persist();
            out.add(new Scheduled(b.id, major, platform));
        }
        return out;
    }

    /** True if a build of this revision for this major is queued or running. */
    public boolean isPending(String revision, int pgMajor) {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM build WHERE recipe_revision = :r AND pg_major = :m "
                + "AND status IN ('queued', 'running')").setParameter("r", revision).setParameter("m", pgMajor)
                .getSingleResult()).longValue() > 0;
    }
}
