package dev.extfarm.registry.signing;

import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import io.quarkus.logging.Log;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The farm's Ed25519 keys: the one that signs (from {@code extfarm.signing.key-file}, or generated
 * once under the data directory when none is configured) and earlier, verify-only ones kept for
 * rotation. Read once at start; a key that cannot be read stops the start with the reason.
 */
@ApplicationScoped
public class FarmKeys {

    static final String GENERATED = "signing/farm.jwk";

    @Inject
    SigningConfig config;
    @ConfigProperty(name = "extfarm.data-dir")
    Path dataDir;

    private SigningKey current;
    private List<SigningKey> previous;

    @PostConstruct
    void load() {
        Path file = config.keyFile().orElse(dataDir.resolve(GENERATED));
        try {
            if (config.keyFile().isEmpty() && !Files.exists(file)) {
                SigningKey k = SigningKey.generate(generatedKid());
                k.write(file);
                Log.infof("generated the farm's signing key %s in %s (mode 0600); back it up, and give every replica "
                        + "the same file with extfarm.signing.key-file", k.kid(), file.toAbsolutePath());
            }
            current = SigningKey.read(file);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the signing key " + file + " (extfarm.signing.key-file): " + e.getMessage(), e);
        }
        if (!current.canSign()) {
            throw new IllegalStateException("the signing key " + file + " has no private part (\"d\"); create one with "
                    + "'extfarm bundle keygen --kid <id> -o <file>'");
        }
        List<SigningKey> old = new ArrayList<>();
        for (Path p : config.previousKeyFiles().orElse(List.of())) {
            try {
                SigningKey k = SigningKey.read(p).publicOnly();
                if (!k.kid().equals(current.kid())) {
                    old.add(k);
                }
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot read the previous key " + p + " (extfarm.signing.previous-key-files): "
                        + e.getMessage(), e);
            }
        }
        previous = List.copyOf(old);
        Log.infof("signing bundles with key %s (from %s); %d previous key(s) kept for verification", current.kid(),
                file.toAbsolutePath(), previous.size());
    }

    private static String generatedKid() {
        byte[] r = new byte[4];
        new SecureRandom().nextBytes(r);
        return "farm-" + LocalDate.now(ZoneOffset.UTC) + "-" + HexFormat.of().formatHex(r);
    }

    /** The key new signatures are made with. */
    public SigningKey current() {
        return current;
    }

    /** Verify-only keys of earlier rotations. */
    public List<SigningKey> previous() {
        return previous;
    }

    /** Every key the registry knows, current first (public parts only). */
    public KeySet all() {
        List<SigningKey> keys = new ArrayList<>();
        keys.add(current.publicOnly());
        keys.addAll(previous);
        return new KeySet(keys);
    }

    public Optional<SigningKey> find(String kid) {
        return all().find(kid);
    }
}
