package dev.extfarm.registry.catalog;

import dev.extfarm.protocol.Catalog;
import java.util.Optional;

/**
 * The latest build of a bundle, for the catalog's {@code last_build} field. The build queue
 * provides the real implementation (an {@code @ApplicationScoped} bean of this type replaces the
 * default, which knows no builds).
 */
public interface LastBuildLookup {

    /** The newest build of the extension for this major and platform, whatever its version. */
    Optional<Catalog.LastBuild> lastBuild(String extension, String version, int pgMajor, String platform);
}
