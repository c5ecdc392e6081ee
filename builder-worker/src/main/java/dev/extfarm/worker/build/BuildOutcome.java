package dev.extfarm.worker.build;

import dev.extfarm.bundle.BundleWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The result of one build: a bundle file or a classified failure, with step timings. */
public record BuildOutcome(Optional<Path> bundleFile, Optional<BundleWriter.Packed> packed, Optional<BuildFailure> failure,
                           Map<Step, Long> stepMillis) {

    static BuildOutcome success(Path file, BundleWriter.Packed packed, Map<Step, Long> timings) {
        return new BuildOutcome(Optional.of(file), Optional.of(packed), Optional.empty(), timings);
    }

    static BuildOutcome failed(BuildFailure failure, Map<Step, Long> timings) {
        return new BuildOutcome(Optional.empty(), Optional.empty(), Optional.of(failure), timings);
    }

    public boolean succeeded() {
        return failure.isEmpty();
    }
}
