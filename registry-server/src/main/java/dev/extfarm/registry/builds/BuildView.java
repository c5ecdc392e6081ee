package dev.extfarm.registry.builds;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.extfarm.protocol.Catalog.Floors;
import java.time.Instant;
import java.util.List;

/**
 * A build report as the API shows it. In lists {@code log_tail}, {@code attempts} and
 * {@code previous} are left out; {@code failure} and {@code result} are null until there is one;
 * {@code regress} (upstream's regression suite) is left out when none ran.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record BuildView(
        long id, String extension, String version, int pgMajor, String platform, String status, String reason,
        String recipeRevision, int attempt, String workerId, String currentStep,
        Instant queuedAt, Instant startedAt, Instant finishedAt, Long durationMillis, Instant leaseExpiresAt,
        @JsonInclude(JsonInclude.Include.ALWAYS) Failure failure,
        @JsonInclude(JsonInclude.Include.ALWAYS) Result result,
        Long cachedFrom, Inputs inputs, List<StepTime> steps, Log log,
        List<String> logTail, List<Attempt> attempts, Previous previous, RegressReports.View regress) {

    public record Failure(String step, String cause, String responsibility, Integer exitCode, String message) {
    }

    /** The bundle a succeeded (or cached) build produced, with its compatibility floors (null when not recorded). */
    public record Result(String name, String sha256, String address, Long size, String reviewState,
                         Floors floors) {
    }

    /** Everything the build cache compares. */
    public record Inputs(String recipeRevision, String sourceSha256, String builderImage, int pgMajor, String platform,
                         int metaFormat) {
    }

    public record StepTime(String step, long millis) {
    }

    public record Log(String url, long size, boolean archived) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Attempt(int attempt, String workerId, Instant claimedAt, Instant endedAt, String outcome, String cause,
                          String message) {
    }

    /** The build before this one of the same extension for the same PG major. */
    public record Previous(long id, String status, String recipeRevision, String version, Instant finishedAt) {
    }

    /** One page of a listing, newest first. */
    public record Page(List<BuildView> items, int page, int size, long total) {
    }
}
