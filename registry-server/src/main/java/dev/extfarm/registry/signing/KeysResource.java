package dev.extfarm.registry.signing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code GET /api/v1/keys}: the JWK Set of the farm's public keys (anyone; no private part ever). */
@Path("/api/v1/keys")
public class KeysResource {

    static final String JWK_SET = "application/jwk-set+json";

    @Inject
    FarmKeys keys;
    @Inject
    BundleSigner signer;

    @GET
    @Produces({JWK_SET, "application/json"})
    @Operation(summary = "The farm's public signing keys (JWK Set): the current key, and earlier keys while a bundle signed by them remains")
    public Response get() {
        var referenced = new HashSet<>(signer.referencedKids());
        List<SigningKey> listed = new ArrayList<>();
        listed.add(keys.current());
        keys.previous().stream().filter(k -> referenced.contains(k.kid())).forEach(listed::add);
        ObjectNode body = new KeySet(listed).toJson();
        return Response.ok(body.toString(), JWK_SET).header("Cache-Control", "public, max-age=300").build();
    }
}
