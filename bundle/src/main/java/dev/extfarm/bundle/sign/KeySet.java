package dev.extfarm.bundle.sign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A JWK Set of trusted public keys, as {@code GET /api/v1/keys} serves it. */
public final class KeySet {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, SigningKey> keys = new LinkedHashMap<>();

    public KeySet(List<SigningKey> keys) {
        keys.forEach(k -> this.keys.put(k.kid(), k.publicOnly()));
    }

    public static KeySet parse(JsonNode jwks) throws GeneralSecurityException {
        var list = new ArrayList<SigningKey>();
        for (JsonNode k : jwks.path("keys")) {
            list.add(SigningKey.fromJwk(k));
        }
        return new KeySet(list);
    }

    public static KeySet read(Path file) throws IOException, GeneralSecurityException {
        return parse(JSON.readTree(file.toFile()));
    }

    public Optional<SigningKey> find(String kid) {
        return Optional.ofNullable(keys.get(kid));
    }

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        var arr = root.putArray("keys");
        keys.values().forEach(k -> arr.add(k.toJwk()));
        return root;
    }
}
