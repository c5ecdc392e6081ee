package dev.extfarm.registry.builds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The build queue. Durations accept {@code 60s}, {@code 2m} or a plain number of seconds; every
 * key is also an environment variable ({@code EXTFARM_QUEUE_LEASE_TTL=8s}).
 */
@ConfigMapping(prefix = "extfarm.queue")
public interface QueueConfig {

    /** How long a claim (and each heartbeat) holds a job; workers heartbeat about every third of it. */
    @WithDefault("60s")
    Duration leaseTtl();

    /** How often expired leases are looked for: a lost job is re-queued within lease-ttl + this. */
    @WithDefault("10s")
    Duration sweepInterval();

    /** Claims per build (lost leases and farm faults included) before it ends as {@code farm-error}. */
    @WithDefault("3")
    int maxAttempts();

    /** Farm faults a worker may report for one build before it ends as {@code farm-error}. */
    @WithDefault("3")
    int maxFarmFaults();

    /** Upper bound for {@code max_jobs} in one claim. */
    @WithDefault("8")
    int maxJobsPerClaim();

    /** Build logs. */
    Logs logs();

    interface Logs {
        /** Lines of the log kept with each build report ({@code log_tail}). */
        @WithDefault("200")
        int tailLines();

        /** A build's whole log may not grow beyond this many bytes (further chunks: 413). */
        @WithDefault("67108864")
        long maxBytes();

        /** One log chunk (one POST) may not be larger than this. */
        @WithDefault("4194304")
        int maxChunkBytes();
    }
}
