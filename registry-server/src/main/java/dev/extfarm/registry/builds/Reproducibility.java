package dev.extfarm.registry.builds;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.extfarm.protocol.WorkerProtocol.Difference;
import dev.extfarm.protocol.WorkerProtocol;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Verified reproducibility (docs/queue.md#reproducibility): the documents of the API (the worker
 * reports its verdict in {@code WorkerProtocol.ReproducibilityReport}). A newly published bundle
 * is rebuilt from scratch by a low-priority job (reason {@value #REASON}); the worker that rebuilds it compares its bundle with the published one and
 * reports the verdict. The rebuilt bundle never leaves the worker.
 */
public final class Reproducibility {

    /** The build reason of a reproducibility rebuild. */
    public static final String REASON = "reproducibility";
    /** How long a rebuild waits for a worker process other than the first build's before any worker may take it. */
    public static final Duration OTHER_WORKER_WAIT = Duration.ofMinutes(10);
    /** The likely causes the worker's classifier names. */
    public static final List<String> CAUSES = List.of("timestamp", "build-path", "file-order", "other");

    private Reproducibility() {
    }

    /** The verdict on one published build, as the API shows it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Verdict(long buildId, long verifies, String extension, String version, int pgMajor, String platform,
                          String status, String publishedSha256, String rebuiltSha256, List<String> causes,
                          Integer differencesTotal, List<Difference> differences, String rebuildWorker,
                          String publishedWorker, Instant recordedAt, String url) {
    }

    /** The rate of one target: {@code rate} is reproducible / (reproducible + not reproducible + rebuild failed). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TargetRate(int pgMajor, String platform, int reproducible, int notReproducible, int rebuildFailed,
                             int pending, Double rate) {
    }

    /** {@code GET /api/v1/extensions/{name}/reproducibility}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ExtensionReproducibility(String extension, List<TargetRate> targets, List<Verdict> verdicts) {
    }
}
