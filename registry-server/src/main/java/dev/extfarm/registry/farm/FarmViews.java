package dev.extfarm.registry.farm;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What {@code GET /api/v1/farm} and {@code /api/v1/farm/failures} return (JSON in snake_case). */
public final class FarmViews {

    private FarmViews() {
    }

    public record Targets(List<Target> targets) {
    }

    public record Target(int pgMajor, String platform) {
    }

    /** The farm at a glance: who builds, what waits, how much got done. */
    public record Farm(Instant generatedAt, List<Worker> workers, Queue queue, Throughput throughput) {
    }

    /**
     * A worker as seen through its claims and heartbeats. {@code state}: {@code busy} (holds a
     * lease), {@code idle} (active within the idle window), {@code away}.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Worker(String id, String state, Instant lastSeenAt, Current current, long builds24h, long failed24h) {
    }

    /** The job a busy worker holds; {@code hidden} when it belongs to a private extension this viewer may not see. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Current(Long buildId, String extension, String version, Integer pgMajor, String step, Instant startedAt,
                          Instant lastHeartbeatAt, Boolean hidden) {
    }

    public record Queue(long queued, long running, Instant oldestQueuedAt, List<TargetQueue> targets) {
    }

    public record TargetQueue(int pgMajor, String platform, long queued, long running) {
    }

    /** Finished builds by status in the last hour and day; hourly buckets oldest first. */
    public record Throughput(Map<String, Long> lastHour, Map<String, Long> last24h, List<Hour> hourly,
                             Long medianDurationMillis) {
    }

    public record Hour(Instant hour, long finished, long failed) {
    }

    /** The newest build of each extension × PG major × platform asked for. */
    public record LatestBuilds(List<LatestBuild> items) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record LatestBuild(String extension, int pgMajor, String platform, long id, String version, String status,
                              String cause, Instant finishedAt) {
    }

    /** Failed builds grouped by cause, biggest group first. */
    public record Failures(Instant since, long total, List<CauseGroup> causes) {
    }

    public record CauseGroup(String cause, long count, Map<String, Long> responsibility, Map<String, Long> steps,
                             List<ExtensionCount> extensions, Example latest) {
    }

    public record ExtensionCount(String name, long count) {
    }

    public record Example(long id, String extension, String version, int pgMajor, String platform, String step,
                          String message, Instant finishedAt) {
    }
}
