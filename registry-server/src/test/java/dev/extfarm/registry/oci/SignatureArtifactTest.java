package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The image of a bundle carries the farm's signature as an OCI artifact whose subject is the image
 * manifest: OCI tooling finds it through the referrers API, and its one layer is the bundle's JWS,
 * which verifies with the keys of {@code /api/v1/keys}. Also for an image a worker pushed.
 */
@QuarkusTest
class SignatureArtifactTest {

    @Inject
    OciMaintenance maintenance;

    @Test
    void theBackfilledImageListsTheSignatureAmongItsReferrersAndTheJwsVerifies() throws Exception {
        BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName("sigimg"), "1.0", "debian-12-amd64-glibc", 11);
        BundleImagesTest.upload(p);
        maintenance.backfill();
        assertSignatureReferrer(p);
        // a second run adds no second artifact
        maintenance.backfill();
        assertSignatureReferrer(p);
    }

    @Test
    void anImageAWorkerPushedGetsTheSignatureToo() throws Exception {
        BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName("sigpush"), "1.0", "debian-13-amd64-glibc", 12);
        BundleImagesTest.upload(p);
        BundleImage img = p.image();
        String worker = Api.token("worker", null);
        Oci.as(worker).contentType("application/octet-stream").body(img.config()).queryParam("digest", img.configDigest())
                .post("/v2/" + img.repository() + "/blobs/uploads/").then().statusCode(201);
        Oci.as(worker).contentType(BundleImage.MANIFEST_MEDIA_TYPE).body(img.manifest())
                .put("/v2/" + img.repository() + "/manifests/" + img.platformTag().orElseThrow()).then().statusCode(201);
        assertSignatureReferrer(p);
    }

    private static void assertSignatureReferrer(BundleImagesTest.Packed p) throws Exception {
        BundleImage img = p.image();
        String repo = img.repository();
        JsonNode index = Oci.JSON.readTree(Oci.anonymous().queryParam("artifactType", SignatureArtifacts.ARTIFACT_TYPE)
                .get("/v2/" + repo + "/referrers/" + img.manifestDigest()).then().statusCode(200)
                .contentType(BundleImage.INDEX_MEDIA_TYPE).extract().asByteArray());
        assertThat(index.path("manifests")).as(index.toString()).hasSize(1);
        JsonNode ref = index.path("manifests").get(0);
        assertThat(ref.path("artifactType").asText()).isEqualTo(SignatureArtifacts.ARTIFACT_TYPE);
        JsonNode artifact = Oci.JSON.readTree(Oci.anonymous().get("/v2/" + repo + "/manifests/" + ref.path("digest").asText())
                .then().statusCode(200).extract().asByteArray());
        assertThat(artifact.path("subject").path("digest").asText()).isEqualTo(img.manifestDigest());
        String layer = artifact.path("layers").get(0).path("digest").asText();
        byte[] jws = Oci.anonymous().get("/v2/" + repo + "/blobs/" + layer).then().statusCode(200).extract().asByteArray();
        KeySet keys = KeySet.parse(Oci.JSON.readTree(Oci.anonymous().get("/api/v1/keys").then().statusCode(200).extract().asByteArray()));
        var m = img.bundleManifest();
        String kid = BundleSignature.verify(jws, keys, new BundleSignature.Statement(p.sha256(), p.name(), m.version(), m.pgMajor(),
                m.platform().id()));
        assertThat(artifact.path("annotations").path(SignatureArtifacts.KID_ANNOTATION).asText()).isEqualTo(kid);
    }
}
