package dev.extfarm.registry.catalog;

import java.util.Optional;

/**
 * The latest build of a bundle, for the catalog's {@code last_build} field. The build queue
 * provides the real implementation (an {@code @ApplicationScoped} bean of this type replaces the
 * default, which knows no builds).
 */
public interface LastBuildLookup {

    /** Whatever the build feature wants to show: e.g. {@code {id, status, finished_at}}. */
    Optional<Object> lastBuild(String extension, String version, int pgMajor, String platform);
}
