package dev.extfarm.registry.builds;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The reproducibility verdict of one build: of the bundle it published, or of the rebuild it is. */
@Path("/api/v1/builds/{id}/reproducibility")
@Produces(MediaType.APPLICATION_JSON)
public class BuildReproducibilityResource {

    @Inject
    ReproducibilityReports reports;
    @Inject
    BuildReports builds;
    @Inject
    CurrentViewer viewer;

    @GET
    @Transactional
    @Operation(summary = "Whether the build's bundle was rebuilt to the same bytes: reproducible, not-reproducible (with the "
            + "differing entries and their likely cause), rebuild-failed, pending, not-verified; 404 before a rebuild is queued")
    public Reproducibility.Verdict get(@PathParam("id") long id) {
        builds.find(viewer.get(), id).orElseThrow(() -> BuildResource.notFound(id));
        return reports.forBuild(id).orElseThrow(() -> ExtfarmException.notFound(
                "reproducibility-not-found", "build " + id + " has no reproducibility rebuild (only succeeded builds that "
                        + "published a new bundle get one)"));
    }
}
