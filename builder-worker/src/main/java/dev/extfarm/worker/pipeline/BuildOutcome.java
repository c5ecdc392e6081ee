package dev.extfarm.worker.pipeline;

import dev.extfarm.bundle.BundleWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The result of one build: a bundle file or a classified failure, with step timings, and the
 * report of upstream's regression suite when it ran (also when it failed the build).
 */
public record BuildOutcome(Optional<Path> bundleFile, Optional<BundleWriter.Packed> packed, Optional<BuildFailure> failure,
                           Map<Step, Long> stepMillis, Optional<RegressionReport> regression) {

    public BuildOutcome {
        regression = regression == null ? Optional.empty() : regression;
    }

    /** An outcome without a regression suite. */
    public BuildOutcome(Optional<Path> bundleFile, Optional<BundleWriter.Packed> packed, Optional<BuildFailure> failure,
                        Map<Step, Long> stepMillis) {
        this(bundleFile, packed, failure, stepMillis, Optional.empty());
    }

    static BuildOutcome success(Path file, BundleWriter.Packed packed, Map<Step, Long> timings, Optional<RegressionReport> regression) {
        return new BuildOutcome(Optional.of(file), Optional.of(packed), Optional.empty(), timings, regression);
    }

    static BuildOutcome failed(BuildFailure failure, Map<Step, Long> timings, Optional<RegressionReport> regression) {
        return new BuildOutcome(Optional.empty(), Optional.empty(), Optional.of(failure), timings, regression);
    }

    public boolean succeeded() {
        return failure.isEmpty();
    }
}
