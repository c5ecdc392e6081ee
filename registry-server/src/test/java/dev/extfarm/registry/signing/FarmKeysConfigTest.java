package dev.extfarm.registry.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.sign.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the registry's signing keys come from configuration ({@code extfarm.signing.key-file},
 * {@code extfarm.signing.previous-key-files}): the configured key signs, earlier keys are
 * published for verification only, and a key that cannot sign stops the start with the reason.
 * (The generated default key is covered end to end by {@link SigningTest}.)
 */
class FarmKeysConfigTest {

    @TempDir
    Path dir;

    @Test
    void aConfiguredKeySignsAndPreviousKeysArePublishedWithoutTheirPrivatePart() throws Exception {
        SigningKey now = SigningKey.generate("farm-2026-11");
        SigningKey before = SigningKey.generate("farm-2026-05");
        now.write(dir.resolve("now.jwk"));
        before.write(dir.resolve("before.jwk"));

        FarmKeys keys = load(Optional.of(dir.resolve("now.jwk")), List.of(dir.resolve("before.jwk"), dir.resolve("now.jwk")));

        assertThat(keys.current().kid()).isEqualTo("farm-2026-11");
        assertThat(keys.current().canSign()).isTrue();
        assertThat(keys.previous()).extracting(SigningKey::kid).containsExactly("farm-2026-05");
        assertThat(keys.previous()).allSatisfy(k -> assertThat(k.canSign()).isFalse());
        var published = keys.all().toJson().path("keys");
        assertThat(published.findValuesAsText("kid")).containsExactly("farm-2026-11", "farm-2026-05");
        assertThat(published.findValues("d")).as("no private part is published").isEmpty();
        assertThat(Files.exists(dir.resolve(FarmKeys.GENERATED))).as("nothing generated when a key is configured").isFalse();
    }

    @Test
    void withoutConfigurationAKeyIsGeneratedOnceWithMode0600AndKeptAcrossStarts() throws Exception {
        FarmKeys first = load(Optional.empty(), List.of());
        Path file = dir.resolve(FarmKeys.GENERATED);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        FarmKeys second = load(Optional.empty(), List.of());
        assertThat(second.current().kid()).isEqualTo(first.current().kid());
    }

    @Test
    void aPublicOnlyOrMissingOrBrokenKeyStopsTheStartWithTheReason() throws Exception {
        SigningKey.generate("pub").publicOnly().write(dir.resolve("public.jwk"));
        assertThatThrownBy(() -> load(Optional.of(dir.resolve("public.jwk")), List.of()))
                .hasMessageContaining("has no private part").hasMessageContaining("extfarm bundle keygen");

        assertThatThrownBy(() -> load(Optional.of(dir.resolve("absent.jwk")), List.of()))
                .hasMessageContaining("cannot read the signing key").hasMessageContaining("absent.jwk");

        Files.writeString(dir.resolve("broken.jwk"), "{\"kty\":\"RSA\"}");
        assertThatThrownBy(() -> load(Optional.of(dir.resolve("broken.jwk")), List.of()))
                .hasMessageContaining("cannot read the signing key").hasMessageContaining("broken.jwk");

        SigningKey.generate("ok").write(dir.resolve("ok.jwk"));
        assertThatThrownBy(() -> load(Optional.of(dir.resolve("ok.jwk")), List.of(dir.resolve("gone.jwk"))))
                .hasMessageContaining("cannot read the previous key").hasMessageContaining("gone.jwk");
    }

    private FarmKeys load(Optional<Path> keyFile, List<Path> previous) {
        FarmKeys keys = new FarmKeys();
        keys.dataDir = dir;
        keys.config = new SigningConfig() {
            @Override
            public Optional<Path> keyFile() {
                return keyFile;
            }

            @Override
            public Optional<List<Path>> previousKeyFiles() {
                return previous.isEmpty() ? Optional.empty() : Optional.of(previous);
            }

            @Override
            public Backfill backfill() {
                return new Backfill() {
                    @Override
                    public Duration every() {
                        return Duration.ofSeconds(60);
                    }

                    @Override
                    public int batch() {
                        return 200;
                    }
                };
            }
        };
        keys.load();
        return keys;
    }
}
