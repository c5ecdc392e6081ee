package dev.extfarm.registry.recipe;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** What recipe sources may point at: {@code extfarm.source.*}, the same setting as the workers' (EXTFARM_SOURCE_ALLOW). */
@ConfigMapping(prefix = "extfarm.source")
public interface SourceConfig {

    /**
     * Non-public addresses a source URL may lead to (EXTFARM_SOURCE_ALLOW): address blocks,
     * addresses, address:port, host names, comma-separated (docs/operations.md). Empty: public only.
     */
    Optional<String> allow();
}
