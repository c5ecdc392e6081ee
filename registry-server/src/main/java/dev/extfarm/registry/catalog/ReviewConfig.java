package dev.extfarm.registry.catalog;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "extfarm.review")
public interface ReviewConfig {

    /** {@code auto}: new versions are approved at once; {@code required}: they wait for an admin. */
    @WithDefault("auto")
    Policy policy();

    enum Policy { AUTO, REQUIRED }
}
