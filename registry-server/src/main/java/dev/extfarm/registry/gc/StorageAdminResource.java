package dev.extfarm.registry.gc;

import dev.extfarm.protocol.ConsistencyReport;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** Admin: does the blob store agree with the database; collect unreferenced blobs now. */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class StorageAdminResource {

    @Inject
    BlobCensus census;
    @Inject
    BlobCollector collector;
    @Inject
    GcConfig config;

    @GET
    @Path("/consistency")
    public ConsistencyReport consistency() throws IOException {
        return ConsistencyReports.of(census.take());
    }

    /** Runs the collector once; {@code grace} (ISO-8601, e.g. {@code PT0S}) overrides {@code extfarm.gc.grace}. */
    @POST
    @Path("/gc")
    public Map<String, Object> gc(@QueryParam("grace") String grace) throws IOException {
        BlobCollector.Run run = collector.collect(grace == null ? config.grace() : parse(grace));
        return Map.of("scanned", run.scanned(), "deleted", run.deleted(), "young_orphans", run.youngOrphans());
    }

    private static Duration parse(String grace) {
        try {
            Duration d = Duration.parse(grace);
            if (d.isNegative()) {
                throw new DateTimeParseException("negative", grace, 0);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw ExtfarmException.invalid("invalid-grace", "grace must be an ISO-8601 duration of 0 or more, e.g. PT10M or PT0S, not '"
                    + grace + "'; nothing was deleted");
        }
    }
}
