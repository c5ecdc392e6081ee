package dev.extfarm.registry.catalog;

import dev.extfarm.protocol.Catalog;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Until the build queue exists, no bundle has a build record. */
@DefaultBean
@ApplicationScoped
class NoBuilds implements LastBuildLookup {

    @Override
    public Optional<Catalog.LastBuild> lastBuild(String extension, String version, int pgMajor, String platform) {
        return Optional.empty();
    }
}
