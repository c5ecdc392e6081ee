package dev.extfarm.registry.builds;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.protocol.Problem;
import dev.extfarm.registry.problem.ProblemMapper;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Build reports (anyone; private extensions only for their tenant, maintainers and admins), logs, cancel. */
@Path("/api/v1/builds")
@Produces(MediaType.APPLICATION_JSON)
public class BuildResource {

    @Inject
    BuildReports reports;
    @Inject
    BuildLogs logs;
    @Inject
    BuildCancellation cancellation;
    @Inject
    CurrentViewer viewer;
    @Inject
    RegressReports regressReports;

    @GET
    @Operation(summary = "Builds, newest first; filter by extension, pg, status (comma-separated), cause, since")
    public BuildView.Page list(@QueryParam("extension") String extension, @QueryParam("pg") Integer pg,
                               @QueryParam("status") String status, @QueryParam("cause") String cause,
                               @QueryParam("since") String since, @QueryParam("page") Integer page, @QueryParam("size") Integer size) {
        return reports.list(viewer.get(), new BuildReports.Filter(extension, pg, status, cause, since, page, size));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One build: steps and timings, failure, inputs, result, attempts, log tail, previous build")
    public BuildView get(@PathParam("id") long id) {
        return reports.get(viewer.get(), id).orElseThrow(() -> notFound(id));
    }

    @GET
    @Path("/{id}/log")
    @Produces({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON})
    @Operation(summary = "The build's log (text/plain; Range: bytes=N- to tail it while it runs → 206)")
    public Response log(@PathParam("id") long id, @HeaderParam("Range") String range,
            @QueryParam("offset") Long offset) {
        Build b = reports.find(viewer.get(), id).orElseThrow(() -> notFound(id));
        long size = b.logSize;
        if (offset != null && offset >= 0 && offset <= size) {
            // Tailing a growing log: "nothing new yet" (offset == size) is an empty 200, where a
            // Range at the end would be a 416 that browsers log as a failed request on every poll.
            return logBody(b, id, offset, size, 200).header("X-Extfarm-Log-Size", size).build();
        }
        LogRange r = offset != null ? LogRange.UNSATISFIABLE : LogRange.parse(range, size);
        if (r == LogRange.UNSATISFIABLE) {
            var e = new ExtfarmException(ExtfarmException.Kind.RANGE_NOT_SATISFIABLE, "range-not-satisfiable", "Range not satisfiable",
                    "the log of build " + id + " has " + size + " bytes" + (b.status().isFinal() ? "" : " so far; ask again later"));
            return Response.status(416).header("Content-Range", "bytes */" + size).type(Problem.MEDIA_TYPE)
                    .header("X-Extfarm-Build-Status", b.status).entity(ProblemMapper.problem(e, "/api/v1/builds/" + id + "/log")).build();
        }
        long from = r == null ? 0 : r.start();
        long to = r == null ? size : r.end();
        Response.ResponseBuilder rb = logBody(b, id, from, to, r == null ? 200 : 206);
        if (r != null) {
            rb.header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + size);
        }
        return rb.build();
    }

    private Response.ResponseBuilder logBody(Build b, long id, long from, long to, int status) {
        String blob = b.logBlob;
        StreamingOutput body = out -> logs.copy(id, blob, from, to, out);
        return Response.status(status).entity(body)
                .type("text/plain; charset=utf-8")
                .header("Accept-Ranges", "bytes")
                .header("Content-Length", to - from)
                .header("X-Extfarm-Build-Status", b.status)
                .header("Cache-Control", b.status().isFinal() ? "private, max-age=60" : "no-cache");
    }

    /**
     * The build's regression.diffs: bytes from a recipe's sandbox, so served as plain text that no
     * browser may sniff, run or style ({@code nosniff}, a CSP sandbox), with Range like the log.
     */
    @GET
    @Path("/{id}/artifacts/{name}")
    @Produces({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON})
    @Operation(summary = "An artifact of the build: regression.diffs (text/plain, untrusted bytes; Range: bytes=a-b → 206)")
    public Response artifact(@PathParam("id") long id, @PathParam("name") String name, @HeaderParam("Range") String range) {
        Build b = reports.find(viewer.get(), id).orElseThrow(() -> notFound(id));
        if (!RegressReports.DIFFS.equals(name) || b.regressionDiffsBlob == null) {
            throw ExtfarmException.notFound("artifact-not-found", "build " + id + " has no artifact '" + name + "'"
                    + (RegressReports.DIFFS.equals(name) ? ": no regression test failed, or no suite ran" : "; a build keeps "
                    + RegressReports.DIFFS + " when a regression test fails"));
        }
        long size = b.regressionDiffsSize == null ? 0 : b.regressionDiffsSize;
        LogRange r = LogRange.parse(range, size);
        if (r == LogRange.UNSATISFIABLE) {
            var e = new ExtfarmException(ExtfarmException.Kind.RANGE_NOT_SATISFIABLE, "range-not-satisfiable", "Range not satisfiable",
                    RegressReports.DIFFS + " of build " + id + " has " + size + " bytes");
            return Response.status(416).header("Content-Range", "bytes */" + size).type(Problem.MEDIA_TYPE)
                    .entity(ProblemMapper.problem(e, "/api/v1/builds/" + id + "/artifacts/" + name)).build();
        }
        long from = r == null ? 0 : r.start();
        long to = r == null ? size : r.end();
        StreamingOutput body = out -> regressReports.copy(b, from, to, out);
        Response.ResponseBuilder rb = Response.status(r == null ? 200 : 206).entity(body)
                .type("text/plain; charset=utf-8")
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "default-src 'none'; sandbox")
                .header("Content-Disposition", "inline; filename=\"" + RegressReports.DIFFS + "\"")
                .header("Accept-Ranges", "bytes")
                .header("Content-Length", to - from)
                .header("Cache-Control", "private, max-age=60");
        if (r != null) {
            rb.header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + size);
        }
        return rb.build();
    }

    @POST
    @Path("/{id}/cancel")
    @RolesAllowed({Roles.MAINTAINER, Roles.ADMIN})
    @Operation(summary = "Cancel a queued or running build (owners of the extension, admins)")
    public BuildView cancel(@PathParam("id") long id) {
        cancellation.cancel(viewer.principal(), id);
        return reports.get(viewer.get(), id).orElseThrow(() -> notFound(id));
    }

    static ExtfarmException notFound(long id) {
        return ExtfarmException.notFound("build-not-found", "there is no build " + id);
    }
}
