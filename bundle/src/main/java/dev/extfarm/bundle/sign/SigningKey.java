package dev.extfarm.bundle.sign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;

/**
 * An Ed25519 key with its key id, read from and written to a JWK ({@code kty: OKP, crv: Ed25519}).
 * A private JWK file is written with mode 0600 and never belongs in a repository.
 */
public record SigningKey(String kid, PublicKey publicKey, PrivateKey privateKey) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder D64 = Base64.getUrlDecoder();

    public static SigningKey generate(String kid) {
        KeyPair kp = Ed25519Keys.generate();
        return new SigningKey(kid, kp.getPublic(), kp.getPrivate());
    }

    public boolean canSign() {
        return privateKey != null;
    }

    public SigningKey publicOnly() {
        return new SigningKey(kid, publicKey, null);
    }

    public ObjectNode toJwk() {
        ObjectNode jwk = JSON.createObjectNode().put("kty", "OKP").put("crv", "Ed25519").put("kid", kid)
                .put("alg", "EdDSA").put("use", "sig").put("x", B64.encodeToString(Ed25519Keys.rawPublic(publicKey)));
        if (privateKey != null) {
            jwk.put("d", B64.encodeToString(Ed25519Keys.rawPrivate(privateKey)));
        }
        return jwk;
    }

    public static SigningKey fromJwk(JsonNode jwk) throws GeneralSecurityException {
        if (!"OKP".equals(jwk.path("kty").asText()) || !"Ed25519".equals(jwk.path("crv").asText())) {
            throw new GeneralSecurityException("only Ed25519 keys (kty OKP, crv Ed25519) are supported");
        }
        String kid = jwk.path("kid").asText("");
        if (kid.isEmpty()) {
            throw new GeneralSecurityException("the key has no kid");
        }
        PublicKey pub = Ed25519Keys.publicKey(D64.decode(jwk.path("x").asText()));
        PrivateKey priv = jwk.hasNonNull("d") ? Ed25519Keys.privateKey(D64.decode(jwk.get("d").asText())) : null;
        return new SigningKey(kid, pub, priv);
    }

    public static SigningKey read(Path file) throws IOException, GeneralSecurityException {
        return fromJwk(JSON.readTree(file.toFile()));
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJwk()) + "\n");
        if (privateKey != null) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
