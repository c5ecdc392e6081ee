package dev.extfarm.bundle.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DsseTest {

    @Test
    void preAuthenticationEncodingIsTheSpecsKnownAnswer() {
        // the example of the DSSE specification (protocol.md)
        assertThat(new String(Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8)).isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
    }

    @Test
    void signAndVerify_roundTripAndRefusals() throws Exception {
        SigningKey farm = SigningKey.generate("farm");
        byte[] env = Dsse.sign(Dsse.IN_TOTO_PAYLOAD_TYPE, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), farm);
        Dsse.Verified v = Dsse.verify(env, new KeySet(List.of(farm)));
        assertThat(v.kid()).isEqualTo("farm");
        assertThat(new String(v.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");

        assertThatThrownBy(() -> Dsse.verify(env, new KeySet(List.of(SigningKey.generate("other")))))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> assertThat(e.reason()).isEqualTo("untrusted-key"));
        byte[] retyped = new String(env, StandardCharsets.UTF_8).replace(Dsse.IN_TOTO_PAYLOAD_TYPE, "text/plain")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Dsse.verify(retyped, new KeySet(List.of(farm))))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> assertThat(e.reason()).isEqualTo("invalid"));
        assertThatThrownBy(() -> Dsse.verify("nope".getBytes(StandardCharsets.UTF_8), new KeySet(List.of(farm))))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> assertThat(e.reason()).isEqualTo("malformed"));
    }
}
