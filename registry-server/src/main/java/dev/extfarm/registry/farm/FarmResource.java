package dev.extfarm.registry.farm;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.builds.FarmTargets;
import dev.extfarm.registry.farm.FarmViews.Failures;
import dev.extfarm.registry.farm.FarmViews.Farm;
import dev.extfarm.registry.farm.FarmViews.Target;
import dev.extfarm.registry.farm.FarmViews.Targets;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The farm for packagers: workers, queue, throughput, failures by cause (anyone; private builds left out). */
@Path("/api/v1/farm")
@Produces(MediaType.APPLICATION_JSON)
public class FarmResource {

    @Inject
    FarmStatus status;
    @Inject
    FailureGroups failures;
    @Inject
    FarmTargets targets;
    @Inject
    CurrentViewer viewer;

    @GET
    @Operation(summary = "Workers (state, last seen, current job), queue length per target, throughput of the last hour and day")
    public Farm farm() {
        return status.farm(viewer.get());
    }

    @GET
    @Path("/targets")
    @Operation(summary = "The PostgreSQL majors and platforms this farm builds for")
    public Targets targets() {
        return new Targets(targets.all().entrySet().stream().map(e -> new Target(e.getKey(), e.getValue()))
                .sorted((a, b) -> Integer.compare(b.pgMajor(), a.pgMajor())).toList());
    }

    @GET
    @Path("/latest-builds")
    @Operation(summary = "The newest build of each PG major × platform of the listed extensions (?extensions=a,b; at most 100)")
    public FarmViews.LatestBuilds latest(@QueryParam("extensions") String extensions) {
        return status.latest(viewer.get(), extensions);
    }

    @GET
    @Path("/failures")
    @Operation(summary = "Failed builds grouped by cause (since a date, per extension or PG major; current=true: only still failing)")
    public Failures failures(@QueryParam("since") String since, @QueryParam("extension") String extension,
                             @QueryParam("pg") Integer pg, @QueryParam("current") boolean current) {
        return failures.failures(viewer.get(), new FailureGroups.Filter(since, extension, pg, current));
    }
}
