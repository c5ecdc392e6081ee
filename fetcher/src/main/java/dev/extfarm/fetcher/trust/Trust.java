package dev.extfarm.fetcher.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which bundle signatures the fetcher accepts: those by a key of the configured JWK Set files
 * ({@code --trusted-keys}), and, only when asked for ({@code --trust-registry-keys}), those by a
 * key the registry itself lists at {@code /api/v1/keys}. {@link #unsigned()} switches the check
 * off, for local development only.
 *
 * @param keys         trusted public keys from files (may be empty when {@code registryKeys} is set; null with
 *                     {@code allowUnsigned}, so that a start without signatures loads no key or JSON classes)
 * @param registryKeys where to read more trusted keys from, or null
 * @param allowUnsigned no check at all (loudly)
 */
public record Trust(KeySet keys, URI registryKeys, boolean allowUnsigned) {

    public static final String HOW = "give --trusted-keys FILE (the registry's JWK Set, saved from GET /api/v1/keys or handed "
            + "out by its operators), --trust-registry-keys (read them from the registry itself), or, for local development "
            + "only, --allow-unsigned";

    public static Trust files(List<Path> jwksFiles) throws IOException {
        List<SigningKey> all = new ArrayList<>();
        for (Path f : jwksFiles) {
            try {
                KeySet set = KeySet.read(f);
                int before = all.size();
                set.toJson().path("keys").forEach(k -> {
                    try {
                        all.add(SigningKey.fromJwk(k));
                    } catch (GeneralSecurityException e) {
                        throw new IllegalArgumentException(e);
                    }
                });
                if (all.size() == before) {
                    throw new IllegalArgumentException("--trusted-keys " + f + " holds no key; it must be a JWK Set ({\"keys\": [...]})");
                }
            } catch (GeneralSecurityException | JsonProcessingException e) {
                throw new IllegalArgumentException("--trusted-keys " + f + " is not a JWK Set of Ed25519 keys: " + e.getMessage());
            }
        }
        return new Trust(new KeySet(all), null, false);
    }

    public Trust withRegistryKeys(URI keysUrl) {
        return new Trust(keys, keysUrl, false);
    }

    public static Trust unsigned() {
        return new Trust(null, null, true);
    }

    public String describe() {
        if (allowUnsigned) {
            return "signatures NOT checked (--allow-unsigned)";
        }
        int n = keys.toJson().path("keys").size();
        return "signatures required: " + n + " trusted key(s)" + (registryKeys == null ? "" : " + the registry's keys from " + registryKeys);
    }
}
