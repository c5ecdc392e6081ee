package dev.extfarm.registry.recipe;

import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.problem.ExtfarmException;
import io.quarkus.logging.Log;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Recipes: push (maintainers), rebuild, and the stored revisions. */
@Path("/api/v1/recipes")
@Produces(MediaType.APPLICATION_JSON)
public class RecipeResource {

    @Inject
    RecipeService recipes;
    @Inject
    CurrentViewer viewer;

    @POST
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed({Roles.MAINTAINER, Roles.ADMIN})
    @Operation(summary = "Push a recipe (transport JSON: recipe.yaml + patches); 201 with the builds it queued, 200 when unchanged")
    public Response push(InputStream body) throws IOException {
        byte[] json = body.readNBytes(RecipeTransport.MAX_JSON_BYTES + 1);
        if (json.length > RecipeTransport.MAX_JSON_BYTES) {
            throw new ExtfarmException(ExtfarmException.Kind.TOO_LARGE, "recipe-too-large", "Recipe too large",
                    "a pushed recipe (transport JSON) may be at most " + RecipeTransport.MAX_JSON_BYTES + " bytes");
        }
        RecipeService.PushResult r = recipes.push(viewer.principal(), json);
        Log.debugf("recipe push %s %s: %s", r.extension(), r.revision(), r.message());
        return Response.status(r.unchanged() ? 200 : 201).entity(r).build();
    }

    @POST
    @Path("/{name}/rebuild")
    @RolesAllowed({Roles.MAINTAINER, Roles.ADMIN})
    @Operation(summary = "Queue the latest revision again (all its majors, or ?pg=N), bypassing the build cache")
    public RecipeService.PushResult rebuild(@PathParam("name") String name, @QueryParam("pg") Integer pg) {
        return recipes.rebuild(viewer.principal(), name, Optional.ofNullable(pg));
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "The revisions of an extension's recipe, newest first")
    public Map<String, Object> revisions(@PathParam("name") String name) {
        var list = recipes.revisions(viewer.get(), name).orElseThrow(() -> notFound(name));
        return Map.of("extension", name, "revisions", list);
    }

    @GET
    @Path("/{name}/revisions/{revision}")
    @Operation(summary = "One revision in the transport form (recipe.yaml + patches)")
    public String revision(@PathParam("name") String name, @PathParam("revision") String revision) {
        return recipes.transport(viewer.get(), name, revision).orElseThrow(() -> notFound(name));
    }

    private static ExtfarmException notFound(String name) {
        return ExtfarmException.notFound("recipe-not-found", "no recipe of '" + name + "' (or its revision) is known here");
    }
}
