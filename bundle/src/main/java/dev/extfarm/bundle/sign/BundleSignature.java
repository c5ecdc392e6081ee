package dev.extfarm.bundle.sign;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;

/**
 * The signature served beside a bundle ({@code .../sha-256+<hex>/bundle.tar.sig}): a JWS in the
 * flattened JSON serialization (RFC 7515 §7.2.2), algorithm EdDSA (Ed25519), whose payload states
 * what is signed: the bundle's sha-256, name, version, PG major and platform. See
 * docs/bundle-format.md.
 */
public final class BundleSignature {

    public static final String TYPE = "application/vnd.extfarm.bundle-signature+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder D64 = Base64.getUrlDecoder();

    /** What a signature vouches for. */
    @JsonPropertyOrder({"sha256", "name", "version", "pg_major", "platform"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Statement(String sha256, String name, String version, @JsonProperty("pg_major") int pgMajor, String platform) {
    }

    /** Why a signature was refused; {@link #reason} is stable (missing, malformed, untrusted-key, invalid, mismatch). */
    public static final class RefusedException extends Exception {
        private final String reason;
        private final String kid;

        public RefusedException(String reason, String kid, String message) {
            super(message);
            this.reason = reason;
            this.kid = kid;
        }

        public String reason() {
            return reason;
        }

        public String kid() {
            return kid;
        }
    }

    private BundleSignature() {
    }

    public static byte[] sign(Statement statement, SigningKey key) throws GeneralSecurityException {
        if (!key.canSign()) {
            throw new GeneralSecurityException("key " + key.kid() + " has no private part");
        }
        try {
            ObjectNode header = JSON.createObjectNode().put("alg", "EdDSA").put("kid", key.kid()).put("typ", TYPE);
            String protectedB64 = B64.encodeToString(JSON.writeValueAsBytes(header));
            String payloadB64 = B64.encodeToString(JSON.writeValueAsBytes(statement));
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.privateKey());
            s.update((protectedB64 + "." + payloadB64).getBytes(StandardCharsets.US_ASCII));
            ObjectNode jws = JSON.createObjectNode().put("payload", payloadB64).put("protected", protectedB64)
                    .put("signature", B64.encodeToString(s.sign()));
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(jws) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Verifies {@code jws} with a key from {@code trusted} and checks that it vouches for exactly
     * {@code expected}; returns the key id that signed.
     */
    public static String verify(byte[] jws, KeySet trusted, Statement expected) throws RefusedException {
        if (jws == null || jws.length == 0) {
            throw new RefusedException("missing", null, "the bundle " + expected.name() + " has no signature");
        }
        JsonNode doc;
        JsonNode header;
        Statement stated;
        String protectedB64;
        String payloadB64;
        byte[] sig;
        try {
            doc = JSON.readTree(jws);
            protectedB64 = doc.path("protected").asText();
            payloadB64 = doc.path("payload").asText();
            sig = D64.decode(doc.path("signature").asText());
            header = JSON.readTree(D64.decode(protectedB64));
            stated = JSON.readValue(D64.decode(payloadB64), Statement.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new RefusedException("malformed", null, "the signature of " + expected.name() + " is not a valid JWS: " + e.getMessage());
        }
        String kid = header.path("kid").asText();
        if (!"EdDSA".equals(header.path("alg").asText())) {
            throw new RefusedException("malformed", kid, "signature algorithm " + header.path("alg").asText() + " is not EdDSA");
        }
        SigningKey key = trusted.find(kid).orElseThrow(() -> new RefusedException("untrusted-key", kid,
                "the bundle " + expected.name() + " is signed by key '" + kid + "', which is not among the trusted keys"));
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key.publicKey());
            s.update((protectedB64 + "." + payloadB64).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(sig)) {
                throw new RefusedException("invalid", kid, "the signature of " + expected.name() + " by key '" + kid + "' does not verify");
            }
        } catch (GeneralSecurityException e) {
            throw new RefusedException("invalid", kid, "the signature of " + expected.name() + " does not verify: " + e.getMessage());
        }
        if (!stated.equals(expected)) {
            throw new RefusedException("mismatch", kid, "the signature by '" + kid + "' vouches for " + stated + ", not for " + expected);
        }
        return kid;
    }
}
