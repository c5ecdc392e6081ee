package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conformance suite's content-management workflow: deleting tags, manifests and blobs (admin tokens). */
@QuarkusTest
class OciManagementTest {

    @Inject
    OciMaintenance maintenance;

    @Test
    void deletingATagThenItsManifestRemovesThemFromTheTagList() throws Exception {
        String name = Bundles.uniqueName("manage");
        BundleImagesTest.Packed first = BundleImagesTest.pack(name, "1.0", Bundles.PLATFORM, 40);
        BundleImagesTest.Packed other = BundleImagesTest.pack(name, "2.0", Bundles.PLATFORM, 41);
        BundleImagesTest.upload(first);
        BundleImagesTest.upload(other);
        maintenance.backfill();
        BundleImage img = first.image();
        String repo = img.repository();
        String tag = img.platformTag().orElseThrow();
        int before = Oci.admin().get("/v2/" + repo + "/tags/list").then().extract().<List<String>>path("tags").size();
        Oci.admin().delete("/v2/" + repo + "/manifests/" + tag).then().statusCode(202);
        Oci.admin().get("/v2/" + repo + "/manifests/" + tag).then().statusCode(404);
        Oci.admin().get("/v2/" + repo + "/manifests/" + img.manifestDigest()).then().statusCode(200);
        Oci.admin().delete("/v2/" + repo + "/manifests/" + img.manifestDigest()).then().statusCode(202);
        Oci.admin().get("/v2/" + repo + "/manifests/" + img.manifestDigest()).then().statusCode(404);
        Oci.admin().delete("/v2/" + repo + "/manifests/" + img.manifestDigest()).then().statusCode(404)
                .body("errors[0].code", equalTo("MANIFEST_UNKNOWN"));
        List<String> after = Oci.admin().get("/v2/" + repo + "/tags/list").then().statusCode(200).extract().path("tags");
        assertThat(after).hasSizeLessThan(before).doesNotContain(tag).contains(other.image().platformTag().orElseThrow(),
                other.image().movingTag());
    }

    @Test
    void deletingAManifestDeletesEveryTagOnIt() throws Exception {
        BundleImagesTest.Packed p = Oci.published(maintenance, "manage", "1.0", 42);
        BundleImage img = p.image();
        Oci.admin().delete("/v2/" + img.repository() + "/manifests/" + img.manifestDigest()).then().statusCode(202);
        Oci.admin().get("/v2/" + img.repository() + "/manifests/" + img.platformTag().orElseThrow()).then().statusCode(404);
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
        BundleImagesTest.Packed p = Oci.published(maintenance, "manage", "1.0", 44);
        String repo = p.image().repository();
        String tag = p.image().platformTag().orElseThrow();
        String worker = dev.extfarm.registry.support.Api.token("worker", null);
        Oci.as(worker).delete("/v2/" + repo + "/manifests/" + tag).then().statusCode(403).body("errors[0].code", equalTo("DENIED"));
        Oci.anonymous().delete("/v2/" + repo + "/manifests/" + p.image().manifestDigest()).then().statusCode(401)
                .body("errors[0].code", equalTo("UNAUTHORIZED"));
        Oci.admin().get("/v2/" + repo + "/manifests/" + tag).then().statusCode(200);
    }
}
