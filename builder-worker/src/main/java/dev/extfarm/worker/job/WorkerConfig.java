package dev.extfarm.worker.job;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Configuration of a builder worker (EXTFARM_WORKER_* environment variables). */
@ConfigMapping(prefix = "extfarm.worker")
public interface WorkerConfig {

    /** The registry, e.g. http://127.0.0.1:7780 */
    @WithDefault("http://127.0.0.1:7780")
    URI registry();

    /** A worker token (efw_...). */
    Optional<String> token();

    /** Stable id in reports; default host name + pid. */
    Optional<String> id();

    /** Image targets this worker serves (infra/builder-images definitions). */
    @WithDefault("bookworm-pg15")
    List<String> targets();

    /** Jobs run at once. */
    @WithDefault("1")
    int concurrency();

    @WithDefault("./data/worker")
    Path workDir();

    /** Source archives by sha-256, shared by all builds on this machine. */
    @WithDefault("./data/sources")
    Path sourceCache();

    /** Idle poll interval when the queue is empty. */
    @WithDefault("2s")
    Duration pollInterval();

    /** Limits of a build container. */
    @WithDefault("4g")
    String memory();

    @WithDefault("30m")
    Duration wallTime();

    /** Keep finished work directories (for debugging). */
    @WithDefault("false")
    boolean keepWork();

    /** Start claiming at startup (tests turn it off and drive the loop themselves). */
    @WithDefault("true")
    boolean enabled();
}
