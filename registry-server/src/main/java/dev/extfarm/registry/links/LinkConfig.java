package dev.extfarm.registry.links;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "extfarm.links")
public interface LinkConfig {

    /**
     * The HMAC key (EXTFARM_LINK_SECRET). Unset: one is generated once and kept in the database,
     * so that every replica signs and checks with the same key.
     */
    Optional<String> secret();

    /** How long a signed link (and a compute spec) stays valid. */
    @WithDefault("15m")
    Duration ttl();

    /** The base URL put in links, e.g. https://registry.example.com; default: from the request. */
    Optional<URI> publicUrl();
}
