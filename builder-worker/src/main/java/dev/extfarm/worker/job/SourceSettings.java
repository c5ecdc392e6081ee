package dev.extfarm.worker.job;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * How this worker fetches recipe sources: {@code extfarm.source.*}, the same environment variables
 * as the registry's ({@code EXTFARM_SOURCE_ALLOW}), so that one setting serves the whole farm.
 */
@ConfigMapping(prefix = "extfarm.source")
public interface SourceSettings {

    /**
     * Non-public addresses recipe sources may come from (EXTFARM_SOURCE_ALLOW): address blocks,
     * addresses, address:port, host names (docs/operations.md). Empty: public addresses only.
     */
    Optional<String> allow();
}
