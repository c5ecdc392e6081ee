package dev.extfarm.registry.catalog;

import dev.extfarm.protocol.Catalog;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/** Admin: extension visibility, owners and review. */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class ExtensionAdminResource {

    @Inject
    ExtensionAdminService admin;
    @Inject
    CatalogService catalog;

    public record VisibilityRequest(String visibility) {
    }

    @PUT
    @Path("/extensions/{name}/visibility")
    public ExtensionAdminService.VisibilityView visibility(@PathParam("name") String name, VisibilityRequest body) {
        if (body == null) {
            throw ExtfarmException.invalid("invalid-visibility", "send {\"visibility\": \"private\"} or {\"visibility\": \"public\"}");
        }
        return admin.setVisibility(name, body.visibility());
    }

    @PUT
    @Path("/extensions/{name}/owners/{tokenId}")
    public Map<String, Object> addOwner(@PathParam("name") String name, @PathParam("tokenId") long tokenId) {
        admin.addOwner(name, tokenId);
        return Map.of("extension", name, "owner_token_id", tokenId);
    }

    @DELETE
    @Path("/extensions/{name}/owners/{tokenId}")
    public void removeOwner(@PathParam("name") String name, @PathParam("tokenId") long tokenId) {
        admin.removeOwner(name, tokenId);
    }

    @POST
    @Path("/extensions/{name}/versions/{version}/approve")
    public Map<String, Object> approve(@PathParam("name") String name, @PathParam("version") String version) {
        return Map.of("extension", name, "version", version, "review_state", ReviewState.APPROVED,
                "changed", admin.review(name, version, ReviewState.APPROVED));
    }

    @POST
    @Path("/extensions/{name}/versions/{version}/reject")
    public Map<String, Object> reject(@PathParam("name") String name, @PathParam("version") String version) {
        return Map.of("extension", name, "version", version, "review_state", ReviewState.REJECTED,
                "changed", admin.review(name, version, ReviewState.REJECTED));
    }

    @GET
    @Path("/reviews")
    public List<Catalog.BundleEntry> pending() {
        return admin.pending().stream().map(catalog::view).toList();
    }
}
