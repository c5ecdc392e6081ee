package dev.extfarm.registry.feed;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.links.LinkConfig;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import javax.xml.stream.XMLStreamException;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Atom feeds of build results, for the whole farm and per extension; {@code ?status=failed} for
 * failures only. Anyone may read them; a bearer token shows private extensions to those who may see
 * them.
 */
@Path("/feeds")
public class FeedResource {

    static final String ATOM = "application/atom+xml; charset=utf-8";

    @Inject
    BuildFeeds feeds;
    @Inject
    CurrentViewer viewer;
    @Inject
    LinkConfig links;
    @Context
    UriInfo uri;

    @GET
    @Path("/builds.atom")
    @Produces(ATOM)
    @Operation(summary = "Atom feed: the newest 50 finished builds of the farm (?status=failed,farm-error to narrow)")
    public Response all(@QueryParam("status") String status) {
        return atom("feeds/builds.atom", "extfarm: build results", "#/builds", feeds.all(viewer.get(), status));
    }

    @GET
    @Path("/extensions/{file}")
    @Produces(ATOM)
    @Operation(summary = "Atom feed: the newest 50 finished builds of one extension (/feeds/extensions/<name>.atom)")
    public Response extension(@PathParam("file") String file, @QueryParam("status") String status) {
        if (!file.endsWith(".atom")) {
            throw ExtfarmException.notFound("feed-not-found", "extension feeds are at /feeds/extensions/<name>.atom");
        }
        String name = file.substring(0, file.length() - ".atom".length());
        List<FeedEntry> entries = feeds.extension(viewer.get(), name, status).orElseThrow(() -> ExtfarmException.notFound(
                "extension-not-found", "no extension '" + name + "' here; the catalog is at GET /api/v1/extensions"));
        return atom("feeds/extensions/" + file, "extfarm: builds of " + name, "#/extensions/" + name, entries);
    }

    private Response atom(String self, String title, String alt, List<FeedEntry> entries) {
        URI base = links.publicUrl().map(u -> URI.create(u.toString().replaceFirst("/*$", "/"))).orElse(uri.getBaseUri());
        StreamingOutput body = out -> {
            try {
                AtomWriter.write(out, base, self, title, alt, entries);
            } catch (XMLStreamException e) {
                throw new IOException(e);
            }
        };
        return Response.ok(body, ATOM).header("Vary", "Authorization")
                .header("Cache-Control", viewer.get().asPrincipal().isPresent() ? "private, no-cache" : "public, max-age=60").build();
    }
}
