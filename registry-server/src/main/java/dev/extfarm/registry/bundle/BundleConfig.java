package dev.extfarm.registry.bundle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "extfarm.bundle")
public interface BundleConfig {

    /** Largest bundle accepted, in bytes (larger → 413). Default 4 GiB. */
    @WithDefault("4294967296")
    long maxSize();

    /** Largest single file inside a bundle, in bytes. Default 2 GiB. */
    @WithDefault("2147483648")
    long maxEntrySize();
}
