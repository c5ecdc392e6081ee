package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conformance suite's content-management workflow: deleting tags, manifests and blobs (admin tokens). */
@QuarkusTest
class OciManagementTest {

    @Test
    void deletingATagThenItsManifestRemovesThemFromTheTagList() {
        String repo = Oci.repo("manage");
        byte[] m = Oci.image(repo, "tagtest0", 40);
        Oci.putManifest(repo, "keep", Oci.MANIFEST, Oci.image(repo, "other", 41)).then().statusCode(201);
        int before = Oci.admin().get("/v2/" + repo + "/tags/list").then().extract().<List<String>>path("tags").size();
        Oci.admin().delete("/v2/" + repo + "/manifests/tagtest0").then().statusCode(202);
        Oci.admin().get("/v2/" + repo + "/manifests/tagtest0").then().statusCode(404);
        Oci.admin().get("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(200);
        Oci.admin().delete("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(202);
        Oci.admin().get("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(404);
        Oci.admin().delete("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(404)
                .body("errors[0].code", equalTo("MANIFEST_UNKNOWN"));
        List<String> after = Oci.admin().get("/v2/" + repo + "/tags/list").then().statusCode(200).extract().path("tags");
        assertThat(after).hasSizeLessThan(before).doesNotContain("tagtest0").contains("keep", "other");
    }

    @Test
    void deletingAManifestDeletesEveryTagOnIt() {
        String repo = Oci.repo("manage");
        byte[] m = Oci.image(repo, "t1", 42);
        Oci.putManifest(repo, "t2", Oci.MANIFEST, m).then().statusCode(201);
        Oci.admin().delete("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(202);
        Oci.admin().get("/v2/" + repo + "/manifests/t1").then().statusCode(404);
        Oci.admin().get("/v2/" + repo + "/manifests/t2").then().statusCode(404);
    }

    @Test
    void aDeletedBlobIsGoneFromItsRepositoryOnly() {
        String a = Oci.repo("manage");
        String b = Oci.repo("manage");
        byte[] blob = Oci.random(2048, 43);
        String d = Oci.pushBlob(a, blob);
        Oci.pushBlob(b, blob);
        Oci.admin().delete("/v2/" + a + "/blobs/" + d).then().statusCode(202);
        Oci.admin().get("/v2/" + a + "/blobs/" + d).then().statusCode(404).body("errors[0].code", equalTo("BLOB_UNKNOWN"));
        assertThat(Oci.admin().get("/v2/" + b + "/blobs/" + d).then().statusCode(200).extract().asByteArray()).isEqualTo(blob);
        Oci.admin().delete("/v2/" + a + "/blobs/" + d).then().statusCode(404);
    }

    @Test
    void onlyAdminsDelete() {
        String repo = Oci.repo("manage");
        byte[] m = Oci.image(repo, "x", 44);
        String worker = dev.extfarm.registry.support.Api.token("worker", null);
        Oci.as(worker).delete("/v2/" + repo + "/manifests/x").then().statusCode(403).body("errors[0].code", equalTo("DENIED"));
        Oci.anonymous().delete("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(401)
                .body("errors[0].code", equalTo("UNAUTHORIZED"));
        Oci.admin().get("/v2/" + repo + "/manifests/x").then().statusCode(200);
    }
}
