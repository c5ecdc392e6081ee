package dev.extfarm.registry.auth;

import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** Admin: issue (shown once), list and revoke tokens. */
@Path("/api/v1/admin/tokens")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class TokenResource {

    @Inject
    TokenService tokens;

    public record CreateToken(String role, String label, String tenant) {
    }

    @POST
    public Response create(CreateToken body) {
        if (body == null || body.role() == null) {
            throw ExtfarmException.invalid("invalid-token-request",
                    "send {\"role\": \"admin|maintainer|worker|compute\", \"label\": \"...\", \"tenant\": \"(compute, optional for maintainer)\"}");
        }
        Role role = Role.parse(body.role()).orElseThrow(() -> ExtfarmException.invalid("invalid-token-request",
                "role must be admin, maintainer, worker or compute, was \"" + body.role() + "\""));
        return Response.status(201).entity(tokens.issue(role, body.label(), body.tenant())).build();
    }

    @GET
    public List<TokenService.TokenView> list() {
        return tokens.list();
    }

    @DELETE
    @Path("/{id}")
    public Response revoke(@PathParam("id") long id) {
        tokens.revoke(id);
        return Response.noContent().build();
    }
}
