package dev.extfarm.registry.signing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The farm's signing keys (docs/security.md). Environment: EXTFARM_SIGNING_KEY_FILE, ... */
@ConfigMapping(prefix = "extfarm.signing")
public interface SigningConfig {

    /**
     * The private JWK (Ed25519) every bundle is signed with. Unset: {@code <data-dir>/signing/farm.jwk},
     * generated on first start (mode 0600). Several replicas must all be given the same file.
     */
    Optional<Path> keyFile();

    /**
     * Earlier keys (JWK files; a private part is ignored) still trusted for what they signed: listed
     * in {@code /api/v1/keys} while a bundle signed by them remains. Bundles signed by a key in
     * neither setting are signed again by the backfill.
     */
    Optional<List<Path>> previousKeyFiles();

    Backfill backfill();

    interface Backfill {
        /** How often unsigned bundles (and images without a signature artifact) are looked for. */
        @WithDefault("60s")
        Duration every();

        @WithDefault("200")
        int batch();
    }
}
