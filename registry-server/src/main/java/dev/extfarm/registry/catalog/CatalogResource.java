package dev.extfarm.registry.catalog;

import dev.extfarm.protocol.Catalog.ExtensionDetail;
import dev.extfarm.protocol.Catalog.ExtensionPage;
import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The public catalog; private extensions appear only to those who may see them. */
@Path("/api/v1/extensions")
@Produces(MediaType.APPLICATION_JSON)
public class CatalogResource {

    @Inject
    CatalogService catalog;
    @Inject
    CurrentViewer viewer;
    @Inject
    BundleSbom sbom;

    @GET
    @Operation(summary = "Search extensions by name or description, filter by PostgreSQL major and license")
    public ExtensionPage search(@QueryParam("q") String q, @QueryParam("pg") Integer pg,
                                         @QueryParam("license") String license,
                                         @QueryParam("page") @DefaultValue("1") int page,
                                         @QueryParam("size") @DefaultValue("20") int size) {
        return catalog.search(viewer.get(), new CatalogService.Search(q, pg, license, page, size));
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "All versions × PG majors × platforms of one extension")
    public ExtensionDetail detail(@PathParam("name") String name) {
        return catalog.detail(viewer.get(), name).orElseThrow(() -> ExtfarmException.notFound("extension-not-found",
                "no extension '" + name + "' in the catalog; search with GET /api/v1/extensions?q=" + name));
    }

    @GET
    @Path("/{name}/bundles/{sha256}/sbom")
    @Produces("application/spdx+json")
    @Operation(summary = "The SPDX 2.3 SBOM a bundle carries (sbom.spdx.json)")
    public byte[] sbom(@PathParam("name") String name, @PathParam("sha256") String sha256) {
        return sbom.read(viewer.get(), name, sha256);
    }
}
