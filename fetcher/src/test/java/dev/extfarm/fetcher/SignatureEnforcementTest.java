package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.trust.Trust;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fetcher installs only bundles whose signature is by a trusted key and names exactly the
 * spec's bundle; a missing, malformed, tampered, foreign-key or other-bundle signature is refused
 * before a byte of the bundle is downloaded (so nothing is unpacked or installed), with an error
 * code of its own that names the extension and the key id. {@code --allow-unsigned} lets anything
 * through, loudly.
 */
class SignatureEnforcementTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    RegistryFixture registry;
    Node node;

    @BeforeEach
    void setUp() throws Exception {
        registry = new RegistryFixture(15, Bundles.PLATFORM);
        node = new Node();
    }

    @AfterEach
    void tearDown() throws Exception {
        node.close();
        registry.close();
    }

    private final java.util.Map<String, dev.extfarm.bundle.VerifiedBundle> published = new java.util.HashMap<>();

    private String publish(String name) throws Exception {
        Path tar = Bundles.sql(tmp, name).pack();
        registry.publish(tar);
        try (var in = Files.newInputStream(tar)) {
            published.put(name, dev.extfarm.bundle.BundleReader.withDefaults().verify(in));
        }
        return registry.spec().entry(name).orElseThrow().sha256();
    }

    private void assertRefused(Fetcher f, String name, String code, String... mentions) throws Exception {
        assertThatThrownBy(() -> f.requestExtension(name, WAIT)).isInstanceOf(FetchException.class)
                .satisfies(e -> {
                    assertThat(((FetchException) e).code()).isEqualTo(code);
                    assertThat(e.getMessage()).contains("refusing " + name + " 1.0").contains("nothing was downloaded or installed");
                    for (String m : mentions) {
                        assertThat(e.getMessage()).contains(m);
                    }
                });
        assertThat(registry.bundleRequests(name)).as("the bundle itself was never requested").isZero();
        assertThat(Files.exists(node.marker(name))).isFalse();
        assertThat(node.filesOf(name)).isEmpty();
        assertThat(node.strayTempFiles()).isEmpty();
        try (var s = Files.list(node.state.resolve("staging"))) {
            assertThat(s.toList()).as("staging").isEmpty();
        }
        assertThat(node.log()).contains("refusing " + name + " 1.0 (" + code);
    }

    @Test
    void aBundleSignedByTheTrustedKeyIsInstalled() throws Exception {
        publish("signedok");
        Fetcher f = node.fetcher(registry);
        f.prepare();
        assertThat(f.requestExtension("signedok", WAIT).state()).isEqualTo("installed");
        assertThat(Files.exists(node.marker("signedok"))).isTrue();
    }

    @Test
    void eachKindOfBadSignatureIsRefusedBeforeDownloadingWithItsOwnCode() throws Exception {
        String missing = publish("nosig");
        registry.signatureInstead.put(missing, new byte[0]);
        String malformed = publish("garbled");
        registry.signatureInstead.put(malformed, "not a JWS".getBytes(StandardCharsets.UTF_8));
        String tampered = publish("tampered");
        byte[] good = registry.signature(published.get("tampered"), registry.signingKey);
        String json = new String(good, StandardCharsets.UTF_8);
        int at = json.indexOf("\"signature\" : \"") + 20;
        char c = json.charAt(at);
        registry.signatureInstead.put(tampered, (json.substring(0, at) + (c == 'A' ? 'B' : 'A') + json.substring(at + 1))
                .getBytes(StandardCharsets.UTF_8));
        String foreign = publish("foreign");
        registry.signatureInstead.put(foreign, registry.signature(published.get("foreign"), SigningKey.generate("stranger-key")));
        publish("other");
        String swapped = publish("swapped");
        registry.signatureInstead.put(swapped, registry.signature(published.get("other"), registry.signingKey));

        Fetcher f = node.fetcher(registry);
        f.prepare();
        assertRefused(f, "nosig", "signature-missing", "has no signature");
        assertRefused(f, "garbled", "signature-malformed");
        assertRefused(f, "tampered", "signature-invalid", "fixture-farm-key");
        assertRefused(f, "foreign", "signature-untrusted-key", "stranger-key");
        assertRefused(f, "swapped", "signature-mismatch", "fixture-farm-key");
        // the status a pg_extfarm or an operator reads shows why
        assertThat(f.status().toString()).contains("signature-untrusted-key").contains("stranger-key");

        // the registry fixes the signature: the next attempt installs it
        registry.signatureInstead.remove(foreign);
        assertThat(f.requestExtension("foreign", WAIT).state()).isEqualTo("installed");
    }

    @Test
    void allowUnsignedInstallsAnUnsignedBundleButSaysSoLoudly() throws Exception {
        String sha = publish("devonly");
        registry.signatureInstead.put(sha, new byte[0]);
        Fetcher f = node.fetcher(registry, b -> b.trust(Trust.unsigned()));
        f.prepare();
        assertThat(f.requestExtension("devonly", WAIT).state()).isEqualTo("installed");
        assertThat(node.log()).contains("WARNING: --allow-unsigned: bundle signatures are NOT checked")
                .contains("WARNING: devonly 1.0: signature not checked");
    }

    @Test
    void theCommandLineRequiresTrustedKeysOrAnExplicitAllowUnsigned() throws Exception {
        publish("cli");
        Path spec = Files.write(tmp.resolve("spec.json"), registry.specJson());
        var err = new java.io.StringWriter();
        int code = FetcherMain.run(new String[]{"prepare", "--spec-file", spec.toString(), "--pg-config", node.pg.pgConfig().toString(),
                "--state-dir", node.state.toString()}, new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("no trusted signing keys").contains("--trusted-keys").contains("--allow-unsigned");
        var err2 = new java.io.StringWriter();
        Path notKeys = Files.writeString(tmp.resolve("keys.json"), "{\"keys\": []}");
        assertThat(FetcherMain.run(new String[]{"prepare", "--spec-file", spec.toString(), "--pg-config", node.pg.pgConfig().toString(),
                "--state-dir", node.state.toString(), "--trusted-keys", notKeys.toString()}, new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(err2, true))).isEqualTo(2);
        assertThat(err2.toString()).contains("holds no key");
    }
}
