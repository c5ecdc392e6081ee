package dev.extfarm.registry.gc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Garbage collection of unreferenced blobs ({@link BlobCollector}); docs/operations.md. */
@ConfigMapping(prefix = "extfarm.gc")
public interface GcConfig {

    /** Run the collector every {@code extfarm.gc.every} (default 1h) on each replica. */
    @WithDefault("true")
    boolean enabled();

    /**
     * An unreferenced blob is deleted only once its bytes are this old: an upload publishes its
     * bytes before its row is committed, and this is far longer than that gap.
     */
    @WithDefault("1h")
    Duration grace();
}
