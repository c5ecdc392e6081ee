package dev.extfarm.registry.builds;

import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.Ownership;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;

/**
 * Cancels a queued or running build (owners of the extension, admins). A running build's worker
 * learns it from its next heartbeat ({@code "cancelled": true}); from then on its log, upload and
 * completion are refused ({@code /problems/job-cancelled}), so nothing of it is published.
 */
@ApplicationScoped
public class BuildCancellation {

    @Inject
    EntityManager em;
    @Inject
    LeaseFence fence;
    @Inject
    Ownership ownership;
    @Inject
    Visibility visibility;
    @Inject
    JobQueue queue;
    @Inject
    BuildLogs logs;

    @Transactional
    public Build cancel(Principal who, long buildId) {
        Build b = em.find(Build.class, buildId);
        if (b == null || !visibility.canSee(Viewer.of(who), b.extensionName)) {
            throw ExtfarmException.notFound("build-not-found", "there is no build " + buildId);
        }
        ownership.requireOwner(who, b.extensionName);
        b = fence.lock(buildId);
        if (b.status().isFinal()) {
            throw ExtfarmException.conflict("build-finished", "build " + buildId + " has already finished (" + b.status
                    + "); to build again use POST /api/v1/recipes/" + b.extensionName + "/rebuild");
        }
        OffsetDateTime now = DbClock.now(em);
        boolean wasRunning = b.status() == BuildStatus.RUNNING;
        if (wasRunning) {
            queue.endAttempt(b, "cancelled", "cancelled", "cancelled by " + who.getName(), now);
        }
        logs.note(b, "cancelled by " + who.role().id() + " token " + who.tokenId()
                + (wasRunning ? " while " + b.workerId + " was running it" : " while it was queued"));
        queue.finish(b, BuildStatus.CANCELLED, now);
        return b;
    }
}
