package dev.extfarm.registry.bundle;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.builds.UploadFence;
import dev.extfarm.registry.http.OwnBodyLimit;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code PUT /extensions/{name}/sha-256+{hex}/bundle.tar}: streamed, verified, idempotent. */
@Path("/extensions/{name}/{digest}/bundle.tar")
public class UploadResource {

    @Inject
    UploadService uploads;
    @Inject
    CurrentViewer viewer;
    @Inject
    UploadFence fence;

    @PUT
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.WORKER, Roles.ADMIN})
    @OwnBodyLimit("extfarm.bundle.max-size") // checked by UploadService (413 bundle-too-large)
    @Operation(summary = "Upload a bundle to its content address (201 new, 200 already there)")
    public Response put(@PathParam("name") String name, @PathParam("digest") String digest,
                        @HeaderParam("Content-Length") Long contentLength, InputStream body,
                        @HeaderParam(UploadFence.JOB_HEADER) String job, @HeaderParam(UploadFence.LEASE_HEADER) String leaseToken) {
        fence.check(job, leaseToken, name); // a worker's upload is fenced by its job's lease (409, nothing stored)
        UploadService.Uploaded u = uploads.upload(name, digest, body, contentLength, viewer.principal());
        var entity = new LinkedHashMap<String, Object>();
        entity.put("address", u.address().path());
        entity.put("sha256", u.address().sha256());
        entity.put("size", u.size());
        entity.put("created", u.created());
        entity.put("version", u.version());
        entity.put("pg_major", u.pgMajor());
        entity.put("platform", u.platform());
        entity.put("review_state", u.reviewState());
        return Response.status(u.created() ? 201 : 200).location(URI.create("/" + u.address().path())).entity(entity).build();
    }
}
