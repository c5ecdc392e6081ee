package dev.extfarm.registry.compute;

import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.links.LinkConfig;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code GET /api/v1/compute/spec?pg=&platform=} for a compute token. */
@Path("/api/v1/compute/spec")
@Produces(MediaType.APPLICATION_JSON)
public class ComputeSpecResource {

    @Inject
    ComputeSpecService specs;
    @Inject
    CurrentViewer viewer;
    @Inject
    LinkConfig config;

    @GET
    @RolesAllowed(Roles.COMPUTE)
    @Operation(summary = "The extensions this compute token's tenant may use, with short-lived links")
    public ComputeSpec spec(@QueryParam("pg") Integer pg, @QueryParam("platform") String platform, @Context UriInfo uri) {
        String base = config.publicUrl().map(u -> u.toString().replaceAll("/+$", ""))
                .orElseGet(() -> uri.getBaseUri().toString().replaceAll("/+$", ""));
        return specs.spec(viewer.principal(), pg, platform, base);
    }
}
