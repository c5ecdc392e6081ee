package dev.extfarm.worker.job;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * How this worker fetches recipe sources: {@code extfarm.source.*}, the same environment variables
 * as the registry's ({@code EXTFARM_SOURCE_ALLOW}), so that one setting serves the whole farm, and
 * the source mirrors of a farm without internet ({@code EXTFARM_SOURCE_MIRRORS}, or
 * {@code extfarm.source.mirrors} in the worker's config file).
 */
@ConfigMapping(prefix = "extfarm.source")
public interface SourceSettings {

    /**
     * Non-public addresses recipe sources may come from (EXTFARM_SOURCE_ALLOW): address blocks,
     * addresses, address:port, host names (docs/operations.md). Empty: public addresses only.
     */
    Optional<String> allow();

    /**
     * Source mirror directories, separated by {@code :} (EXTFARM_SOURCE_MIRRORS), read before the
     * network; default {@code /var/cache/extfarm/sources} when it exists (docs/operations.md).
     */
    Optional<String> mirrors();
}
