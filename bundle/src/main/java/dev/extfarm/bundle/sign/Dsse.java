package dev.extfarm.bundle.sign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;

/**
 * A DSSE envelope (Dead Simple Signing Envelope, what in-toto attestations travel in): the payload
 * and its type, signed with Ed25519 over the pre-authentication encoding
 * {@code "DSSEv1" SP len(type) SP type SP len(payload) SP payload}, so the type cannot be swapped.
 */
public final class Dsse {

    public static final String MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
    public static final String IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Dsse() {
    }

    public static byte[] sign(String payloadType, byte[] payload, SigningKey key) throws GeneralSecurityException {
        if (!key.canSign()) {
            throw new GeneralSecurityException("key " + key.kid() + " has no private part");
        }
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.privateKey());
        s.update(pae(payloadType, payload));
        ObjectNode env = JSON.createObjectNode().put("payloadType", payloadType)
                .put("payload", Base64.getEncoder().encodeToString(payload));
        env.putArray("signatures").addObject().put("keyid", key.kid()).put("sig", Base64.getEncoder().encodeToString(s.sign()));
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(env) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a verified envelope carried. */
    public record Verified(String payloadType, byte[] payload, String kid) {
    }

    /**
     * Verifies the envelope with a trusted key (the first signature whose key is trusted and that
     * verifies wins); refusals use the reasons of {@link BundleSignature.RefusedException}.
     */
    public static Verified verify(byte[] envelope, KeySet trusted) throws BundleSignature.RefusedException {
        if (envelope == null || envelope.length == 0) {
            throw new BundleSignature.RefusedException("missing", null, "there is no DSSE envelope");
        }
        String type;
        byte[] payload;
        JsonNode sigs;
        try {
            JsonNode env = JSON.readTree(envelope);
            type = env.path("payloadType").asText();
            payload = Base64.getDecoder().decode(env.path("payload").asText());
            sigs = env.path("signatures");
        } catch (IOException | IllegalArgumentException e) {
            throw new BundleSignature.RefusedException("malformed", null, "not a DSSE envelope: " + e.getMessage());
        }
        if (!sigs.isArray() || sigs.isEmpty()) {
            throw new BundleSignature.RefusedException("missing", null, "the DSSE envelope has no signatures");
        }
        String lastKid = null;
        for (JsonNode sig : sigs) {
            String kid = sig.path("keyid").asText();
            lastKid = kid;
            var key = trusted.find(kid);
            if (key.isEmpty()) {
                continue;
            }
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key.get().publicKey());
                s.update(pae(type, payload));
                if (s.verify(Base64.getDecoder().decode(sig.path("sig").asText()))) {
                    return new Verified(type, payload, kid);
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // falls through to "invalid"
            }
            throw new BundleSignature.RefusedException("invalid", kid, "the DSSE signature by key '" + kid + "' does not verify");
        }
        throw new BundleSignature.RefusedException("untrusted-key", lastKid, "the DSSE envelope is signed by key '" + lastKid
                + "', which is not among the trusted keys");
    }

    static byte[] pae(String type, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] t = type.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(("DSSEv1 " + t.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(t);
        out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        return out.toByteArray();
    }
}
