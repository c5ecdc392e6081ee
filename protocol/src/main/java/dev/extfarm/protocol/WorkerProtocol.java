package dev.extfarm.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON documents of the worker protocol (docs/queue.md): claim, heartbeat, log, artifact,
 * dependencies, complete. The registry serves them and the builder worker sends them; both use
 * these records, so a renamed or retyped field breaks the build of both instead of the farm.
 */
public final class WorkerProtocol {

    private WorkerProtocol() {
    }

    /** {@code POST /api/v1/jobs/claim}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ClaimRequest(String workerId, List<Target> targets, Integer maxJobs) {
    }

    /** A target a worker can build for; {@code builderImage} is {@code sha256:<packages digest>}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Target(Integer pgMajor, String platform, String builderImage) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ClaimResponse(List<ClaimedJob> jobs) {
    }

    /** One job handed out by the claim; {@code recipe} is the recipe revision's transport JSON, as pushed. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ClaimedJob(long id, long leaseToken, Instant leaseExpiresAt, long leaseTtlSeconds, int attempt,
                             String extension, String version, int pgMajor, String platform, String recipeRevision,
                             @JsonRawValue @JsonDeserialize(using = RawJson.class) String recipe, String sourceSha256,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Verify verify) {
    }

    /** In a reproducibility job: the published bundle its rebuild is compared with (docs/queue.md#reproducibility). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Verify(long buildId, String sha256, String address) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HeartbeatRequest(Long leaseToken, String step) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HeartbeatResponse(Instant leaseExpiresAt, boolean cancelled) {
    }

    /** The answer to {@code POST /api/v1/jobs/{id}/log}: the log's size after the chunk. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LogAppended(long logSize) {
    }

    /** The answer to {@code PUT /api/v1/jobs/{id}/artifacts/<name>}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ArtifactStored(String name, long size) {
    }

    /**
     * {@code POST /api/v1/jobs/{id}/complete}: {@code status} is {@code succeeded} (with {@code bundle},
     * or {@code reproducibility} for a rebuild), {@code failed} or {@code farm-fault} (with {@code failure}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CompleteRequest(Long leaseToken, String workerId, String status, String builderImage, BundleRef bundle,
                                  FailureReport failure, List<StepTiming> steps, Instant startedAt, Instant finishedAt,
                                  ReproducibilityReport reproducibility, RegressReport regress) {
        public CompleteRequest(Long leaseToken, String workerId, String status, String builderImage, BundleRef bundle,
                               FailureReport failure, List<StepTiming> steps, Instant startedAt, Instant finishedAt) {
            this(leaseToken, workerId, status, builderImage, bundle, failure, steps, startedAt, finishedAt, null, null);
        }

        /** A completion without a result yet: who ran the job, on which image, when. */
        public static CompleteRequest of(String workerId, String builderImage, List<StepTiming> steps, Instant startedAt,
                                         Instant finishedAt) {
            return new CompleteRequest(null, workerId, null, builderImage, null, null, steps, startedAt, finishedAt);
        }

        public CompleteRequest withLeaseToken(long token) {
            return new CompleteRequest(token, workerId, status, builderImage, bundle, failure, steps, startedAt, finishedAt,
                    reproducibility, regress);
        }

        public CompleteRequest succeeded(BundleRef published) {
            return new CompleteRequest(leaseToken, workerId, "succeeded", builderImage, published, null, steps, startedAt,
                    finishedAt, reproducibility, regress);
        }

        public CompleteRequest rebuilt(ReproducibilityReport verdict) {
            return new CompleteRequest(leaseToken, workerId, "succeeded", builderImage, null, null, steps, startedAt,
                    finishedAt, verdict, regress);
        }

        /** The build failed: the registry records it (a recipe's failure, or one that waits for a dependency). */
        public CompleteRequest failed(FailureReport why) {
            return withFailure("failed", why);
        }

        /** The farm failed the build: the registry re-queues the job. */
        public CompleteRequest farmFault(FailureReport why) {
            return withFailure("farm-fault", why);
        }

        private CompleteRequest withFailure(String failedStatus, FailureReport why) {
            return new CompleteRequest(leaseToken, workerId, failedStatus, builderImage, null, why, steps, startedAt,
                    finishedAt, reproducibility, regress);
        }

        public CompleteRequest withRegress(RegressReport report) {
            return new CompleteRequest(leaseToken, workerId, status, builderImage, bundle, failure, steps, startedAt,
                    finishedAt, reproducibility, report);
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
                                Map<String, String> knownFailures, List<String> staleKnownFailures, Long diffsBytes,
                                Boolean diffsTruncated) {
        /** The same report, saying that none of regression.diffs was kept. */
        public RegressReport withoutDiffs() {
            return new RegressReport(run, passed, failed, ignored, failedTests, knownFailures, staleKnownFailures, 0L,
                    diffsTruncated);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BundleRef(String name, String sha256) {
    }

    /** Why a build failed: {@code responsibility} is {@code recipe} or {@code farm}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FailureReport(String step, String cause, String responsibility, Integer exitCode, String message,
                                List<String> waitingFor) {
        public FailureReport(String step, String cause, String responsibility, Integer exitCode, String message) {
            this(step, cause, responsibility, exitCode, message, null);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StepTiming(String step, long millis) {
    }

    /** What a completion did: {@code status} is the build's status afterwards ({@code queued} after a retried farm fault). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CompleteResponse(long buildId, String status, boolean requeued, String message) {
    }

    /**
     * The answer to {@code GET /api/v1/jobs/{id}/dependencies?requires=a,b}: the farm's bundles to
     * install before the job's own for its smoke test ({@code bundles}, dependencies first), the
     * names PostgreSQL itself ships, extensions the farm builds but not yet for this target
     * ({@code unavailable}), and names nobody here builds ({@code unknown}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DependenciesResponse(List<DependencyBundle> bundles, List<String> postgresql, List<String> unavailable,
                                       List<String> unknown) {
    }

    /** A bundle to install for a dependency: {@code address} is its path on this registry. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DependencyBundle(String name, String version, String sha256, String address, List<String> extensions,
                                   List<String> requires) {
    }

    /** A rebuild's verdict in {@code complete} (docs/queue.md#reproducibility). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReproducibilityReport(String publishedSha256, String rebuiltSha256, Boolean reproducible,
                                        Integer differencesTotal, List<Difference> differences) {
    }

    /** One entry that differs; a side is null when the entry is missing there; {@code elfSections} null unless both are ELF. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Difference(String path, String cause, Side published, Side rebuilt, List<String> elfSections) {
    }

    /** An entry on one side: {@code file}, {@code symlink} or {@code directory}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Side(String type, Long size, String sha256, String target) {
    }
}
