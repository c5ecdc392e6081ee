package dev.extfarm.worker.pipeline;

import java.time.Duration;

/** Resource limits of a build container (enforced by Docker; memory through cgroups). */
public record BuildLimits(long memoryBytes, int pids, double cpus, Duration wallTime) {

    public static final BuildLimits DEFAULT = new BuildLimits(4L << 30, 2048, 2.0, Duration.ofMinutes(30));

    public BuildLimits withWallTime(Duration d) {
        return new BuildLimits(memoryBytes, pids, cpus, d);
    }

    public BuildLimits withMemory(long bytes) {
        return new BuildLimits(bytes, pids, cpus, wallTime);
    }
}
