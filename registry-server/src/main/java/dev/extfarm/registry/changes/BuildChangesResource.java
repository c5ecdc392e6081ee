package dev.extfarm.registry.changes;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.builds.BuildReports;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** What changed in a build's bundle since the previous bundle of the same target; visible exactly as the build report. */
@Path("/api/v1/builds/{id}/changes")
@Produces(MediaType.APPLICATION_JSON)
public class BuildChangesResource {

    @Inject
    BuildReports builds;
    @Inject
    BundleChanges changes;
    @Inject
    CurrentViewer viewer;

    @GET
    @Operation(summary = "Files added, removed and changed, size delta, bundled libraries (with Debian versions) and new "
            + "system libraries since the previous published bundle of the same extension, PG major and platform")
    public BuildChanges get(@PathParam("id") long id) {
        return changes.of(builds.find(viewer.get(), id)
                .orElseThrow(() -> ExtfarmException.notFound("build-not-found", "there is no build " + id)));
    }
}
