package dev.extfarm.registry.builds;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** An extension's reproducibility: the rate per target and each verdict (anyone who may see the extension). */
@Path("/api/v1/extensions/{name}/reproducibility")
@Produces(MediaType.APPLICATION_JSON)
public class ReproducibilityResource {

    @Inject
    ReproducibilityReports reports;
    @Inject
    Visibility visibility;
    @Inject
    CurrentViewer viewer;
    @Inject
    EntityManager em;

    @GET
    @Transactional
    @Operation(summary = "Reproducibility rate per target (PG major × platform) and the verdict of each rebuilt bundle, newest first")
    public Reproducibility.ExtensionReproducibility get(@PathParam("name") String name) {
        boolean exists = ((Number) em.createNativeQuery("SELECT count(*) FROM extension WHERE name = :n").setParameter("n", name)
                .getSingleResult()).longValue() > 0;
        if (!exists || !visibility.canSee(viewer.get(), name)) {
            throw ExtfarmException.notFound("extension-not-found", "no extension '" + name + "' here");
        }
        return reports.forExtension(name);
    }
}
