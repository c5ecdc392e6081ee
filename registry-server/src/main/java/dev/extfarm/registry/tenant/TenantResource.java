package dev.extfarm.registry.tenant;

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
import jakarta.ws.rs.core.Response;
import java.util.List;

/** Admin: tenants, grants of private extensions, version pins. */
@Path("/api/v1/admin/tenants")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class TenantResource {

    @Inject
    TenantService tenants;

    public record CreateTenant(String name) {
    }

    public record Pin(String version) {
    }

    @POST
    public Response create(CreateTenant body) {
        if (body == null) {
            throw ExtfarmException.invalid("invalid-tenant", "send {\"name\": \"acme\"}");
        }
        return Response.status(201).entity(tenants.create(body.name())).build();
    }

    @GET
    public List<TenantService.TenantView> list() {
        return tenants.list();
    }

    @GET
    @Path("/{tenant}")
    public TenantService.TenantView get(@PathParam("tenant") String tenant) {
        return tenants.get(tenant);
    }

    @PUT
    @Path("/{tenant}/grants/{extension}")
    public TenantService.TenantView grant(@PathParam("tenant") String tenant, @PathParam("extension") String extension) {
        tenants.grant(tenant, extension);
        return tenants.get(tenant);
    }

    @DELETE
    @Path("/{tenant}/grants/{extension}")
    public TenantService.TenantView revoke(@PathParam("tenant") String tenant, @PathParam("extension") String extension) {
        tenants.revoke(tenant, extension);
        return tenants.get(tenant);
    }

    @PUT
    @Path("/{tenant}/pins/{extension}")
    public TenantService.TenantView pin(@PathParam("tenant") String tenant, @PathParam("extension") String extension, Pin body) {
        tenants.pin(tenant, extension, body == null ? null : body.version());
        return tenants.get(tenant);
    }

    @DELETE
    @Path("/{tenant}/pins/{extension}")
    public TenantService.TenantView unpin(@PathParam("tenant") String tenant, @PathParam("extension") String extension) {
        tenants.unpin(tenant, extension);
        return tenants.get(tenant);
    }
}
