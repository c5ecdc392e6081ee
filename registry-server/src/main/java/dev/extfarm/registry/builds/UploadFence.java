package dev.extfarm.registry.builds;

import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * The fence on bundle uploads: a worker uploads with {@code X-Extfarm-Job} and
 * {@code X-Extfarm-Lease-Token}; the upload is refused (409, nothing stored) unless that lease is
 * the job's current one and the bundle is the job's extension. Uploads without the headers (an
 * admin publishing by hand) are not fenced. The completion is fenced again, so a lease lost while
 * the bytes were streaming can never make the build succeed.
 */
@ApplicationScoped
public class UploadFence {

    public static final String JOB_HEADER = "X-Extfarm-Job";
    public static final String LEASE_HEADER = "X-Extfarm-Lease-Token";

    @Inject
    LeaseFence fence;

    @Transactional
    public void check(String jobHeader, String leaseHeader, String extension) {
        if (jobHeader == null && leaseHeader == null) {
            return;
        }
        long job;
        long lease;
        try {
            job = Long.parseLong(String.valueOf(jobHeader).strip());
            lease = Long.parseLong(String.valueOf(leaseHeader).strip());
        } catch (NumberFormatException e) {
            throw ExtfarmException.invalid("invalid-fence", "send both " + JOB_HEADER + " (the job id) and " + LEASE_HEADER
                    + " (the lease_token of its claim) as numbers, or neither; nothing was stored");
        }
        Build b = fence.check(job, lease);
        if (b.verifies != null) {
            throw ExtfarmException.invalid("invalid-fence", "job " + job + " is a reproducibility rebuild: its bundle is compared "
                    + "with the published one in the worker and is never published; nothing was stored");
        }
        if (!b.extensionName.equals(extension)) {
            throw ExtfarmException.invalid("invalid-fence", "job " + job + " builds '" + b.extensionName + "', not '" + extension
                    + "'; nothing was stored");
        }
    }
}
