package dev.extfarm.registry.builds;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

/**
 * The fencing check shared by heartbeat, log, upload and complete: a call is honoured only while
 * its lease token is the job's current one and the job is running. Every claim increments the
 * token, so a worker presumed dead (its lease expired and the job was handed to another) can
 * never report or publish over its successor. A lease that has expired but has not been swept yet
 * is still honoured: nobody else holds a newer token.
 *
 * <p>A lease token is a small per-job counter (1 for most jobs), so it proves nothing by itself:
 * any worker could send {@code lease_token: 1} for a job another worker holds. The claim records
 * the API token that made it ({@code build.claimed_by}) and every fenced call must come from that
 * token too, else {@code stale-lease} as for a lease that is not yours.
 */
@ApplicationScoped
public class LeaseFence {

    @Inject
    EntityManager em;
    @Inject
    CurrentViewer viewer;

    /** The build, locked for update in the caller's transaction. */
    Build lock(long jobId) {
        Build b = em.find(Build.class, jobId, LockModeType.PESSIMISTIC_WRITE);
        if (b == null) {
            throw ExtfarmException.notFound("job-not-found", "there is no job " + jobId
                    + "; claim jobs with POST /api/v1/jobs/claim");
        }
        return b;
    }

    /** Locks the build and checks the token; a cancelled job's current holder gets {@code job-cancelled}. */
    Build check(long jobId, Long leaseToken) {
        Build b = lock(jobId);
        check(b, leaseToken);
        return b;
    }

    void check(Build b, Long leaseToken) {
        if (leaseToken == null) {
            throw ExtfarmException.invalid("lease-token-missing", "send the lease_token the claim of job " + b.id + " returned");
        }
        if (leaseToken == b.leaseToken && !isClaimer(b)) {
            throw ExtfarmException.conflict("stale-lease", "lease " + leaseToken + " of job " + b.id + " was issued to another "
                    + "worker token; a job is reported only with the token that claimed it: stop working on it and claim another job")
                    .with("job", b.id).with("lease_token", leaseToken);
        }
        if (leaseToken == b.leaseToken && b.status() == BuildStatus.RUNNING) {
            return;
        }
        if (leaseToken == b.leaseToken && b.status() == BuildStatus.CANCELLED) {
            throw cancelled(b);
        }
        throw stale(b, leaseToken);
    }

    /** True when the calling API token made the current claim (claims made before it was recorded: anyone). */
    private boolean isClaimer(Build b) {
        return b.claimedBy == null || b.claimedBy.equals(viewer.get().tokenId());
    }

    static ExtfarmException cancelled(Build b) {
        return ExtfarmException.conflict("job-cancelled", "job " + b.id + " (" + b.extensionName + " for PostgreSQL " + b.pgMajor
                + ") was cancelled; stop working on it, nothing more of it is accepted")
                .with("job", b.id).with("lease_token", b.leaseToken);
    }

    static ExtfarmException stale(Build b, long leaseToken) {
        String why;
        if (leaseToken > b.leaseToken || leaseToken < 1) {
            why = "lease token " + leaseToken + " was never issued for job " + b.id;
        } else if (leaseToken < b.leaseToken) {
            why = "lease token " + leaseToken + " of job " + b.id + " is stale: the job was claimed again since (lease "
                    + b.leaseToken + (b.workerId == null ? "" : ", worker " + b.workerId) + ")";
        } else if (b.status() == BuildStatus.QUEUED) {
            why = "the lease " + leaseToken + " of job " + b.id + " has ended (it expired or a farm fault was reported) and the job "
                    + "is queued again";
        } else {
            why = "job " + b.id + " has finished (" + b.status + ")";
        }
        return ExtfarmException.conflict("stale-lease", why + "; stop working on it and claim another job")
                .with("job", b.id).with("lease_token", leaseToken);
    }
}
