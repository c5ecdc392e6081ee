package dev.extfarm.bundle.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleSignatureTest {

    static final BundleSignature.Statement STATEMENT = new BundleSignature.Statement("a".repeat(64), "vector", "0.8.0", 17, "debian-13-amd64-glibc");
    final SigningKey key = SigningKey.generate("farm-2026-11");
    final KeySet trusted = new KeySet(List.of(key));

    @Test
    void aSignatureVerifiesWithTheKeySet() throws Exception {
        byte[] sig = BundleSignature.sign(STATEMENT, key);
        assertThat(BundleSignature.verify(sig, trusted, STATEMENT)).isEqualTo("farm-2026-11");
        assertThat(new String(sig, StandardCharsets.UTF_8)).contains("\"protected\"").contains("\"signature\"");
    }

    @Test
    void aTamperedSignatureIsRefused() throws Exception {
        ObjectNode jws = (ObjectNode) new ObjectMapper().readTree(BundleSignature.sign(STATEMENT, key));
        byte[] s = Base64.getUrlDecoder().decode(jws.get("signature").asText());
        s[3] ^= 1;
        jws.put("signature", Base64.getUrlEncoder().withoutPadding().encodeToString(s));
        assertRefused(new ObjectMapper().writeValueAsBytes(jws), trusted, STATEMENT, "invalid");
    }

    @Test
    void anUnknownKeyIsRefusedNamingItsKid() throws Exception {
        SigningKey other = SigningKey.generate("someone-else");
        assertRefused(BundleSignature.sign(STATEMENT, other), trusted, STATEMENT, "untrusted-key");
    }

    @Test
    void aSignatureForOtherBytesIsRefused() throws Exception {
        byte[] sig = BundleSignature.sign(STATEMENT, key);
        var changed = new BundleSignature.Statement("b".repeat(64), "vector", "0.8.0", 17, "debian-13-amd64-glibc");
        assertRefused(sig, trusted, changed, "mismatch");
    }

    @Test
    void aMissingOrMalformedSignatureIsRefused() {
        assertRefused(new byte[0], trusted, STATEMENT, "missing");
        assertRefused("{\"payload\": 1".getBytes(), trusted, STATEMENT, "malformed");
    }

    @Test
    void keysRoundTripThroughJwkFilesAndPrivateFilesAre0600(@TempDir Path tmp) throws Exception {
        key.write(tmp.resolve("farm.jwk"));
        assertThat(Files.getPosixFilePermissions(tmp.resolve("farm.jwk"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        SigningKey back = SigningKey.read(tmp.resolve("farm.jwk"));
        byte[] sig = BundleSignature.sign(STATEMENT, back);
        KeySet published = KeySet.parse(trusted.toJson());
        assertThat(published.toJson().toString()).doesNotContain("\"d\"");
        assertThat(BundleSignature.verify(sig, published, STATEMENT)).isEqualTo("farm-2026-11");
    }

    static void assertRefused(byte[] sig, KeySet keys, BundleSignature.Statement st, String reason) {
        assertThatThrownBy(() -> BundleSignature.verify(sig, keys, st))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }
}
