package dev.extfarm.registry.build;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;

/** The JSON documents of the worker protocol (docs/queue.md): claim, heartbeat, complete. */
public final class WorkerProtocol {

    private WorkerProtocol() {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ClaimRequest(String workerId, List<Target> targets, Integer maxJobs) {
    }

    /** A target a worker can build for; {@code builderImage} is {@code sha256:<packages digest>}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Target(Integer pgMajor, String platform, String builderImage) {
    }

    public record ClaimResponse(List<ClaimedJob> jobs) {
    }

    /** {@code recipe} is the recipe revision's transport JSON, as pushed. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ClaimedJob(long id, long leaseToken, Instant leaseExpiresAt, long leaseTtlSeconds, int attempt,
                             String extension, String version, int pgMajor, String platform, String recipeRevision,
                             @JsonRawValue String recipe, String sourceSha256,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Reproducibility.VerifyOrder verify) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HeartbeatRequest(Long leaseToken, String step) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record HeartbeatResponse(Instant leaseExpiresAt, boolean cancelled) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CompleteRequest(Long leaseToken, String workerId, String status, String builderImage, BundleRef bundle,
                                  FailureReport failure, List<StepTiming> steps, Instant startedAt, Instant finishedAt,
                                  Reproducibility.Report reproducibility, RegressReport regress) {
        public CompleteRequest(Long leaseToken, String workerId, String status, String builderImage, BundleRef bundle,
                               FailureReport failure, List<StepTiming> steps, Instant startedAt, Instant finishedAt) {
            this(leaseToken, workerId, status, builderImage, bundle, failure, steps, startedAt, finishedAt, null, null);
        }
    }

    /**
     * Upstream's regression suite, as the worker read it (docs/queue.md): counts, the failing tests'
     * names, the failures the recipe lists as known (name → its reason), known failures that passed,
     * and how much of regression.diffs it kept (uploaded before the completion).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RegressReport(Integer run, Integer passed, Integer failed, Integer ignored, List<String> failedTests,
                                java.util.Map<String, String> knownFailures, List<String> staleKnownFailures, Long diffsBytes,
                                Boolean diffsTruncated) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BundleRef(String name, String sha256) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FailureReport(String step, String cause, String responsibility, Integer exitCode, String message,
                                List<String> waitingFor) {
        public FailureReport(String step, String cause, String responsibility, Integer exitCode, String message) {
            this(step, cause, responsibility, exitCode, message, null);
        }
    }

    /**
     * The answer to {@code GET /api/v1/jobs/{id}/dependencies?requires=a,b}: the farm's bundles to
     * install before the job's own for its smoke test ({@code bundles}, dependencies first), the
     * names PostgreSQL itself ships, extensions the farm builds but not yet for this target
     * ({@code unavailable}), and names nobody here builds ({@code unknown}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DependenciesResponse(List<DependencyBundle> bundles, List<String> postgresql, List<String> unavailable,
                                       List<String> unknown) {
    }

    /** A bundle to install for a dependency: {@code address} is its path on this registry. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DependencyBundle(String name, String version, String sha256, String address, List<String> extensions,
                                   List<String> requires) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StepTiming(String step, long millis) {
    }

    /** What a completion did: {@code status} is the build's status afterwards ({@code queued} after a retried farm fault). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CompleteResponse(long buildId, String status, boolean requeued, String message) {
    }
}
