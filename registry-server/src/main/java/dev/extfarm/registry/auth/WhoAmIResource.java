package dev.extfarm.registry.auth;

import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/me}: what the presented token is (role, label, tenant). */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
public class WhoAmIResource {

    @Inject
    CurrentViewer viewer;

    public record Me(long tokenId, String role, String label, String tenant) {
    }

    @GET
    public Me me() {
        Principal p = viewer.principal();
        return new Me(p.tokenId(), p.role().id(), p.label(), p.tenantName());
    }
}
