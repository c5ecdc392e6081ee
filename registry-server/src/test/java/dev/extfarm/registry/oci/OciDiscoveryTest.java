package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite's content-discovery workflow: tag lists with pagination, referrers, the
 * catalog; on bundle images, the only images pushed here.
 */
@QuarkusTest
class OciDiscoveryTest {

    @Inject
    OciMaintenance maintenance;

    @Test
    void tagListsPageWithNAndLastAndALinkHeader() throws Exception {
        String name = Bundles.uniqueName("tags");
        for (String version : List.of("1.0", "1.1", "2.0")) {
            BundleImagesTest.upload(BundleImagesTest.pack(name, version, Bundles.PLATFORM, 20 + version.hashCode()));
        }
        maintenance.backfill();
        String repo = "extensions/" + name;
        List<String> all = Oci.admin().get("/v2/" + repo + "/tags/list").then().statusCode(200)
                .body("name", equalTo(repo)).extract().path("tags");
        assertThat(all).containsExactly("1.0-pg17", "1.0-pg17-debian-12-amd64", "1.1-pg17", "1.1-pg17-debian-12-amd64", "2.0-pg17",
                "2.0-pg17-debian-12-amd64");
        var first = Oci.admin().queryParam("n", 3).get("/v2/" + repo + "/tags/list").then().statusCode(200)
                .header("Link", "</v2/" + repo + "/tags/list?n=3&last=1.1-pg17>; rel=\"next\"").extract();
        assertThat(first.<List<String>>path("tags")).containsExactly("1.0-pg17", "1.0-pg17-debian-12-amd64", "1.1-pg17");
        var next = Oci.admin().queryParam("n", 3).queryParam("last", "1.1-pg17").get("/v2/" + repo + "/tags/list").then()
                .statusCode(200).extract();
        assertThat(next.<List<String>>path("tags")).containsExactly("1.1-pg17-debian-12-amd64", "2.0-pg17", "2.0-pg17-debian-12-amd64");
        assertThat(next.header("Link")).isNull();
        assertThat(Oci.admin().queryParam("n", 0).get("/v2/" + repo + "/tags/list").then().statusCode(200)
                .extract().<List<String>>path("tags")).isEmpty();
        Oci.admin().get("/v2/" + Oci.unknownRepo("nosuch") + "/tags/list").then().statusCode(404)
                .body("errors[0].code", equalTo("NAME_UNKNOWN"));
    }

    @Test
    void referrersListTheManifestsWhoseSubjectIsTheDigest() {
        BundleImagesTest.Packed p = Oci.published(maintenance, "refs", "1.0", 21);
        String repo = p.image().repository();
        String subject = p.image().manifestDigest();
        var all = Oci.anonymous().get("/v2/" + repo + "/referrers/" + subject).then().statusCode(200)
                .contentType(Oci.INDEX).body("schemaVersion", equalTo(2)).body("mediaType", equalTo(Oci.INDEX)).extract();
        List<Map<String, Object>> manifests = all.path("manifests");
        assertThat(manifests).singleElement().satisfies(x -> {
            assertThat(x.get("artifactType")).isEqualTo(SignatureArtifacts.ARTIFACT_TYPE);
            assertThat(x.get("mediaType")).isEqualTo(Oci.MANIFEST);
            @SuppressWarnings("unchecked")
            Map<String, Object> annotations = (Map<String, Object>) x.get("annotations");
            assertThat(annotations).containsOnlyKeys(SignatureArtifacts.KID_ANNOTATION, "dev.extfarm.bundle.sha256");
        });

        var filtered = Oci.anonymous().queryParam("artifactType", SignatureArtifacts.ARTIFACT_TYPE)
                .get("/v2/" + repo + "/referrers/" + subject).then().statusCode(200).header("OCI-Filters-Applied", "artifactType").extract();
        assertThat(filtered.<List<String>>path("manifests.digest")).containsExactlyElementsOf(all.path("manifests.digest"));
        assertThat(Oci.anonymous().queryParam("artifactType", "application/vnd.example.other").get("/v2/" + repo + "/referrers/" + subject)
                .then().statusCode(200).header("OCI-Filters-Applied", "artifactType").extract().<List<Object>>path("manifests")).isEmpty();
        // nothing refers to a random digest: an empty index
        assertThat(Oci.anonymous().get("/v2/" + repo + "/referrers/" + Oci.sha256("hello world".getBytes())).then().statusCode(200)
                .contentType(Oci.INDEX).extract().<List<Object>>path("manifests")).isEmpty();
    }

    @Test
    void theCatalogListsRepositoriesAndPages() {
        String prefix = "zzcat" + System.nanoTime();
        for (int i = 0; i < 3; i++) {
            String repo = "extensions/" + prefix + "_" + i;
            Api.as(Api.ADMIN).contentType("application/json").body(Map.of("visibility", "public"))
                    .put("/api/v1/admin/extensions/" + prefix + "_" + i + "/visibility").then().statusCode(200);
            Oci.pushBlob(repo, Oci.config("catalog-" + i));
        }
        List<String> all = Oci.admin().queryParam("n", 1000).get("/v2/_catalog").then().statusCode(200)
                .extract().path("repositories");
        assertThat(all).contains("extensions/" + prefix + "_0", "extensions/" + prefix + "_1", "extensions/" + prefix + "_2");
        assertThat(all).isSorted();
        var page = Oci.admin().queryParam("n", 1).queryParam("last", "extensions/" + prefix + "_0").get("/v2/_catalog")
                .then().statusCode(200).extract();
        assertThat(page.<List<String>>path("repositories")).containsExactly("extensions/" + prefix + "_1");
        assertThat(page.header("Link")).isEqualTo("</v2/_catalog?n=1&last=extensions%2F" + prefix + "_1>; rel=\"next\"");
    }
}
