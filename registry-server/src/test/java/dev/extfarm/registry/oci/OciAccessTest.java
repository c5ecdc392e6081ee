package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who may do what under /v2: public images for anyone (also through the anonymous token of the
 * Bearer challenge), private ones only for their tenant (Basic with a compute token), owners and
 * admins, and invisible (404, absent from the catalog) to everyone else; pushes need a worker or
 * admin token.
 */
@QuarkusTest
class OciAccessTest {

    @Inject
    OciMaintenance maintenance;

    @Test
    void theTokenEndpointHandsOutAnonymousOrTheCheckedToken() {
        Oci.anonymous().get("/v2/token?service=extfarm&scope=repository:extensions/x:pull").then().statusCode(200)
                .body("token", equalTo("anonymous")).body("access_token", equalTo("anonymous"));
        String worker = Api.token("worker", null);
        Oci.basic(worker).get("/v2/token?service=extfarm&scope=repository:extensions/x:pull,push").then().statusCode(200)
                .body("token", equalTo(worker));
        Oci.basic("efw_wrong").get("/v2/token").then().statusCode(401).body("errors[0].code", equalTo("UNAUTHORIZED"));
        Oci.anonymous().formParam("grant_type", "password").formParam("username", "x").formParam("password", worker)
                .formParam("service", "extfarm").post("/v2/token").then().statusCode(200).body("access_token", equalTo(worker));
        Oci.basic(worker).get("/v2/").then().statusCode(200).header("Docker-Distribution-API-Version", "registry/2.0");
        Oci.as(worker).get("/v2/").then().statusCode(200);
    }

    @Test
    void publicImagesArePulledByAnyone() {
        var b = Bundles.bundle(Bundles.uniqueName("pub"), "1.0", 17);
        Api.upload(Api.token("worker", null), b, 201);
        maintenance.backfill();
        String repo = "extensions/" + b.name();
        String tag = "1.0-pg17-debian-12-amd64";
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + tag).then().statusCode(200);
        Oci.anonymous().header("Authorization", "Bearer anonymous").get("/v2/" + repo + "/manifests/" + tag).then().statusCode(200);
        Oci.anonymous().get("/v2/" + repo + "/blobs/sha256:" + b.sha256()).then().statusCode(200);
        assertThat(Oci.anonymous().get("/v2/_catalog?n=100000").then().statusCode(200).extract()
                .<List<String>>path("repositories")).contains(repo);
    }

    @Test
    void privateImagesExistOnlyForTheirTenantOwnersAndAdmins() {
        String tenantA = Api.tenant("ocia");
        String tenantB = Api.tenant("ocib");
        var b = Bundles.bundle(Bundles.uniqueName("priv"), "2.0", 17);
        Api.makePrivate(b.name());
        Api.grant(tenantA, b.name());
        String worker = Api.token("worker", null);
        Api.upload(worker, b, 201);
        maintenance.backfill();
        String repo = "extensions/" + b.name();
        String manifest = "/v2/" + repo + "/manifests/2.0-pg17-debian-12-amd64";
        String blob = "/v2/" + repo + "/blobs/sha256:" + b.sha256();

        String computeA = Api.token("compute", tenantA);
        Oci.basic(computeA).get(manifest).then().statusCode(200);
        Oci.basic(computeA).get(blob).then().statusCode(200).header("Cache-Control", "private");
        Oci.basic(computeA).get("/v2/" + repo + "/tags/list").then().statusCode(200);
        assertThat(catalog(Oci.basic(computeA))).contains(repo);

        String maintainer = Api.token("maintainer", null);
        Oci.basic(maintainer).get(manifest).then().statusCode(404);
        Api.as(Api.ADMIN).put("/api/v1/admin/extensions/" + b.name() + "/owners/" + Api.tokenId(maintainer)).then().statusCode(200);
        Oci.basic(maintainer).get(manifest).then().statusCode(200);
        Oci.admin().get(manifest).then().statusCode(200);
        assertThat(catalog(Oci.admin())).contains(repo);

        for (var outsider : List.of(Oci.anonymous(), Oci.basic(Api.token("compute", tenantB)))) {
            outsider.get(manifest).then().statusCode(404).body("errors[0].code", equalTo("NAME_UNKNOWN"));
        }
        Oci.anonymous().get(blob).then().statusCode(404);
        Oci.anonymous().get("/v2/" + repo + "/tags/list").then().statusCode(404).body("errors[0].code", equalTo("NAME_UNKNOWN"));
        Oci.anonymous().get("/v2/" + repo + "/referrers/sha256:" + b.sha256()).then().statusCode(404);
        assertThat(catalog(Oci.anonymous())).doesNotContain(repo);
        assertThat(catalog(Oci.basic(Api.token("compute", tenantB)))).doesNotContain(repo);
        // workers publish into private repositories, so they may read them, but they do not list them
        Oci.as(worker).head(blob).then().statusCode(200);
        assertThat(catalog(Oci.as(worker))).doesNotContain(repo);
    }

    static List<String> catalog(io.restassured.specification.RequestSpecification as) {
        return as.get("/v2/_catalog?n=100000").then().statusCode(200).extract().path("repositories");
    }

    @Test
    void workersAndAdminsPushWithBasicOrBearer() {
        String worker = Api.token("worker", null);
        String repo = Oci.repo("push");
        byte[] blob = Oci.random(10, 60);
        Oci.basic(worker).contentType("application/octet-stream").body(blob).queryParam("digest", Oci.sha256(blob))
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
        Oci.as(worker).head("/v2/" + repo + "/blobs/" + Oci.sha256(blob)).then().statusCode(200);
        Oci.anonymous().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(401);
        assertThat(BundleImage.REPOSITORY_PREFIX).isEqualTo("extensions/");
    }

    /**
     * Pushing is the worker's and the admin's: a maintainer who owns the repository's extension, a
     * compute token of a tenant that may pull it and no token are refused before any byte is taken
     * (blob upload and manifest), and the repository is unchanged.
     */
    @Test
    void maintainersAndComputeNodesMayNotPushEvenWhereTheyMayPull() {
        var b = Bundles.bundle(Bundles.uniqueName("nopush"), "1.0", 17);
        Api.upload(Api.token("worker", null), b, 201);
        maintenance.backfill();
        String repo = "extensions/" + b.name();
        String owner = Api.token("maintainer", null);
        Api.as(Api.ADMIN).put("/api/v1/admin/extensions/" + b.name() + "/owners/" + Api.tokenId(owner)).then().statusCode(200);
        String compute = Api.token("compute", Api.tenant("nopush"));
        byte[] blob = Oci.random(10, 61);
        byte[] config = Oci.config("nopush");
        byte[] manifest = Oci.bytes(Oci.manifest(config, blob));
        for (String token : List.of(owner, compute)) {
            Oci.basic(token).get("/v2/" + repo + "/manifests/1.0-pg17-debian-12-amd64").then().statusCode(200);
            Oci.basic(token).contentType("application/octet-stream").body(blob).queryParam("digest", Oci.sha256(blob))
                    .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(403).body("errors[0].code", equalTo("DENIED"));
            Oci.basic(token).post("/v2/" + repo + "/blobs/uploads/").then().statusCode(403).body("errors[0].code", equalTo("DENIED"));
            Oci.basic(token).contentType("application/vnd.oci.image.manifest.v1+json").body(manifest)
                    .put("/v2/" + repo + "/manifests/1.0-pg17-debian-12-amd64").then().statusCode(403)
                    .body("errors[0].code", equalTo("DENIED"));
        }
        Oci.anonymous().contentType("application/vnd.oci.image.manifest.v1+json").body(manifest)
                .put("/v2/" + repo + "/manifests/x").then().statusCode(401).body("errors[0].code", equalTo("UNAUTHORIZED"));
        Oci.anonymous().head("/v2/" + repo + "/blobs/" + Oci.sha256(blob)).then().statusCode(404);
        Oci.anonymous().head("/v2/" + repo + "/manifests/x").then().statusCode(404);
    }
}
