package dev.extfarm.registry.names;

import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Admin: who owns which extension and library names (docs/registry.md, "Extension names are owned"). */
@Path("/api/v1/admin/extension-names")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class NameAdminResource {

    @Inject
    NameOwnership ownership;

    public record OwnerRequest(String owner) {
    }

    @GET
    @Operation(summary = "Owned extension and library names, optionally of one owner or kind")
    public List<NameOwnership.Claim> list(@QueryParam("owner") String owner, @QueryParam("kind") String kind) {
        return ownership.claims(owner, kind(kind));
    }

    @GET
    @Path("/conflicts")
    @Operation(summary = "Stored bundles carrying a name another extension (or PostgreSQL) owns; compute specs leave them out")
    public List<NameOwnership.Conflict> conflicts(@QueryParam("pg") Integer pg, @QueryParam("platform") String platform) {
        if ((pg == null) != (platform == null)) {
            throw ExtfarmException.invalid("invalid-query", "give both pg and platform, or neither");
        }
        return ownership.conflicts(pg, platform);
    }

    @PUT
    @Path("/{kind}/{name}")
    @Operation(summary = "Give a name to an extension (transfer, or assign an unowned one)")
    public NameOwnership.Claim transfer(@PathParam("kind") String kind, @PathParam("name") String name, OwnerRequest body) {
        return ownership.transfer(kind(kind), name, body == null ? null : body.owner());
    }

    @DELETE
    @Path("/{kind}/{name}")
    @Operation(summary = "Release a name: the next published bundle carrying it claims it")
    public void release(@PathParam("kind") String kind, @PathParam("name") String name) {
        ownership.release(kind(kind), name);
    }

    private static String kind(String kind) {
        try {
            return kind == null ? null : NameKind.of(kind).id();
        } catch (IllegalArgumentException e) {
            throw ExtfarmException.invalid("invalid-name-kind", e.getMessage());
        }
    }
}
