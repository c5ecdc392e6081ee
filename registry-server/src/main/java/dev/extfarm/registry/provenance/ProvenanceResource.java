package dev.extfarm.registry.provenance;

import dev.extfarm.bundle.sign.Dsse;
import dev.extfarm.registry.auth.CurrentViewer;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The provenance of one build (beside the build's own resource: provenance is made from build records, not the other way). */
@Path("/api/v1/builds/{id}/provenance")
public class ProvenanceResource {

    @Inject
    ProvenanceService provenance;
    @Inject
    CurrentViewer viewer;

    @GET
    @Produces({Dsse.MEDIA_TYPE, MediaType.APPLICATION_JSON})
    @Operation(summary = "SLSA provenance v1 (in-toto Statement) of a build that published a bundle, in a DSSE envelope signed with the farm key")
    public Response get(@PathParam("id") long id) {
        return Response.ok(provenance.envelope(viewer.get(), id), Dsse.MEDIA_TYPE).build();
    }
}
