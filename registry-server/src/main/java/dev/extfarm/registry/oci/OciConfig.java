package dev.extfarm.registry.oci;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The {@code /v2/} API (OCI distribution) and the bundle-image backfill; see docs/oci.md. */
@ConfigMapping(prefix = "extfarm.oci")
public interface OciConfig {

    /** Largest manifest accepted (the spec asks registries to take at least 4 MiB). */
    @WithDefault("4194304")
    int maxManifestSize();

    /** Largest blob accepted, in bytes. */
    @WithDefault("10737418240")
    long maxBlobSize();

    /** Unfinished upload sessions one repository may have at once; more are refused with TOOMANYREQUESTS. */
    @WithDefault("200")
    int maxOpenUploadsPerRepository();

    /** Upload sessions untouched this long are removed with their chunks. */
    @WithDefault("24h")
    Duration uploadMaxAge();

    /** Page size when a list request gives no {@code n}, and the largest {@code n} honoured. */
    @WithDefault("1000")
    int maxPageSize();

    /** Token endpoint announced in {@code WWW-Authenticate}; default {@code <scheme>://<host>/v2/token} of the request. */
    Optional<String> tokenRealm();

    /** How long a blob's location (repository, digest → store key) is cached per replica. */
    @WithDefault("5s")
    Duration blobCacheTtl();

    Backfill backfill();

    interface Backfill {
        /** Create images for bundles that have none (published before /v2 existed, or whose worker push failed). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("60s")
        String every();

        /** Bundles handled per run. */
        @WithDefault("200")
        int batch();
    }
}
