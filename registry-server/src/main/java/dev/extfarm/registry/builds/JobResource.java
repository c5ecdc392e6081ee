package dev.extfarm.registry.builds;

import dev.extfarm.protocol.WorkerProtocol;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.protocol.WorkerProtocol.ClaimRequest;
import dev.extfarm.protocol.WorkerProtocol.ClaimResponse;
import dev.extfarm.protocol.WorkerProtocol.CompleteRequest;
import dev.extfarm.protocol.WorkerProtocol.CompleteResponse;
import dev.extfarm.protocol.WorkerProtocol.HeartbeatRequest;
import dev.extfarm.protocol.WorkerProtocol.HeartbeatResponse;
import dev.extfarm.registry.problem.ExtfarmException;
import io.quarkus.logging.Log;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The worker protocol (docs/queue.md): claim, heartbeat, log, complete; all but claim fenced by the lease token. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.WORKER, Roles.ADMIN})
public class JobResource {

    @Inject
    JobQueue queue;
    @Inject
    QueueConfig config;
    @Inject
    LeaseFence fence;
    @Inject
    BuildDependencies dependencies;
    @Inject
    RegressReports regress;

    /** A control file's name, as the bundle format allows it. */
    private static final Pattern CONTROL_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    @POST
    @Path("/claim")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Claim up to max_jobs queued jobs for the given targets (an empty list when there is none)")
    public ClaimResponse claim(ClaimRequest request) {
        var jobs = queue.claim(request);
        jobs.forEach(j -> Log.debugf("job %d (%s pg%d) leased to %s, lease %d", j.id(), j.extension(), j.pgMajor(),
                request.workerId(), j.leaseToken()));
        return new ClaimResponse(jobs);
    }

    @POST
    @Path("/{id}/heartbeat")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Renew the lease; says whether the job was cancelled (409 for a stale lease)")
    public HeartbeatResponse heartbeat(@PathParam("id") long id, HeartbeatRequest request) {
        return queue.heartbeat(id, request == null ? null : request.leaseToken(), request == null ? null : request.step());
    }

    @POST
    @Path("/{id}/log")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Append a chunk (text/plain) to the job's log (409 for a stale lease)")
    public WorkerProtocol.LogAppended log(@PathParam("id") long id, @QueryParam("lease_token") Long leaseToken, InputStream body)
            throws IOException {
        byte[] chunk = body.readNBytes(config.logs().maxChunkBytes() + 1);
        long size = queue.appendLog(id, leaseToken, chunk);
        return new WorkerProtocol.LogAppended(size);
    }

    @GET
    @Path("/{id}/dependencies")
    @Transactional
    @Operation(summary = "The farm's bundles the job's bundle requires for its smoke test (409 for a stale lease)")
    public WorkerProtocol.DependenciesResponse dependencies(@PathParam("id") long id, @QueryParam("lease_token") Long leaseToken,
                                                            @QueryParam("requires") String requires) {
        List<String> names = requires == null || requires.isBlank() ? List.of()
                : Arrays.stream(requires.split(",")).map(String::strip).distinct().toList();
        if (names.size() > BuildDependencies.MAX_BUNDLES || names.stream().anyMatch(n -> !CONTROL_NAME.matcher(n).matches())) {
            throw ExtfarmException.invalid("invalid-requires", "requires is a comma-separated list of "
                    + "at most " + BuildDependencies.MAX_BUNDLES + " extension names matching " + CONTROL_NAME.pattern());
        }
        Build b = fence.check(id, leaseToken);
        return dependencies.resolve(b, names);
    }

    @jakarta.ws.rs.PUT
    @Path("/{id}/artifacts/{name}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Upload an artifact of the running build: regression.diffs (any bytes, at most 4 MiB; 409 for a stale lease)")
    public WorkerProtocol.ArtifactStored artifact(@PathParam("id") long id, @PathParam("name") String name,
                                                    @QueryParam("lease_token") Long leaseToken, InputStream body)
            throws IOException {
        return new WorkerProtocol.ArtifactStored(name, regress.upload(id, leaseToken, name, body));
    }

    @POST
    @Path("/{id}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Report the result: succeeded (bundle uploaded first), failed, or farm-fault (re-queued)")
    public CompleteResponse complete(@PathParam("id") long id, CompleteRequest request) {
        CompleteResponse r = queue.complete(id, request);
        Log.debugf("job %d completed: %s", id, r.status());
        return r;
    }
}
