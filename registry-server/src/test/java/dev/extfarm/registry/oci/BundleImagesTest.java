package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every bundle is an image: the backfill creates the images of bundles published without one, a
 * worker's push of the same image is recognised, both give the same digest, the layer is the
 * bundle's own bytes (stored once), and {@code <version>-pg<major>} is an index of the newest
 * image per platform.
 */
@QuarkusTest
class BundleImagesTest {

    @Inject
    OciMaintenance maintenance;
    @Inject
    BlobStore store;
    @Inject
    BundleImages images;
    @Inject
    EntityManager em;

    record Packed(String name, byte[] bytes, String sha256, BundleManifest manifest) {
        BundleImage image() {
            return BundleImage.of(manifest, sha256, bytes.length);
        }
    }

    static Packed pack(String name, String version, String platform, int seed) throws Exception {
        Path tree = Files.createTempDirectory("tree");
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/" + name + ".control"), "default_version = '" + version + "'\n");
        Files.writeString(tree.resolve("share/extension/" + name + "--" + version + ".sql"), "SELECT " + seed + ";\n");
        Files.createDirectories(tree.resolve("lib"));
        Files.write(tree.resolve("lib/" + name + ".so"), Oci.random(4000, seed));
        BundleManifest m = BundleManifest.builder().name(name).version(version).pgMajor(17).platform(Platform.parse(platform))
                .defaultVersion(version).extensions(List.of(name)).libraries(List.of(name)).license("MIT")
                .build(new BundleManifest.BuildInputs("a".repeat(64), "b".repeat(64), "sha256:" + "c".repeat(64), 1_700_000_000L))
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BundleWriter.Packed p = BundleWriter.pack(tree, m, 1_700_000_000L, out);
        return new Packed(name, out.toByteArray(), p.sha256(), p.manifest());
    }

    static void upload(Packed p) {
        Api.as(Api.token("worker", null)).body(p.bytes()).put("/extensions/" + p.name() + "/sha-256+" + p.sha256() + "/bundle.tar")
                .then().statusCode(201);
    }

    @Test
    void theBackfillCreatesTheReproducibleImageOfABundle() throws Exception {
        Packed p = pack(Bundles.uniqueName("fill"), "1.2.3", "debian-12-amd64-glibc", 1);
        upload(p);
        maintenance.backfill();
        BundleImage expected = p.image();
        String repo = expected.repository();
        String tag = expected.platformTag().orElseThrow();
        assertThat(tag).isEqualTo("1.2.3-pg17-debian-12-amd64");
        byte[] manifest = Oci.anonymous().get("/v2/" + repo + "/manifests/" + tag).then().statusCode(200)
                .contentType(BundleImage.MANIFEST_MEDIA_TYPE).header("Docker-Content-Digest", expected.manifestDigest())
                .extract().asByteArray();
        assertThat(manifest).isEqualTo(expected.manifest());
        byte[] config = Oci.anonymous().get("/v2/" + repo + "/blobs/" + expected.configDigest()).then().statusCode(200)
                .extract().asByteArray();
        JsonNode labels = Oci.JSON.readTree(config).path("config").path("Labels");
        assertThat(labels.path("dev.extfarm.bundle.sha256").asText()).isEqualTo(p.sha256());
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo("1.2.3");
        byte[] layer = Oci.anonymous().get("/v2/" + repo + "/blobs/sha256:" + p.sha256()).then().statusCode(200)
                .extract().asByteArray();
        assertThat(layer).isEqualTo(p.bytes());
        // stored once: the layer is the bundle's own blob
        assertThat(store.stat(BlobKey.of("oci/blobs/sha256/" + p.sha256()))).isEmpty();
        // a second run changes nothing
        maintenance.backfill();
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + tag).then().statusCode(200)
                .header("Docker-Content-Digest", expected.manifestDigest());
    }

    @Test
    void aWorkersPushOfTheSameImageIsRecognisedAndNeedsNoLayerUpload() throws Exception {
        Packed p = pack(Bundles.uniqueName("push"), "0.9", "debian-13-amd64-glibc", 2);
        upload(p);
        BundleImage img = p.image();
        String repo = img.repository();
        String worker = Api.token("worker", null);
        // the layer is there already: it is the bundle
        Oci.as(worker).head("/v2/" + repo + "/blobs/" + img.layerDigest()).then().statusCode(200)
                .header("Content-Length", String.valueOf(p.bytes().length));
        Oci.as(worker).contentType("application/octet-stream").body(img.config()).queryParam("digest", img.configDigest())
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
        Oci.as(worker).contentType(BundleImage.MANIFEST_MEDIA_TYPE).body(img.manifest())
                .put("/v2/" + repo + "/manifests/" + img.platformTag().orElseThrow()).then().statusCode(201)
                .header("Docker-Content-Digest", img.manifestDigest());
        // recognised: the moving tag exists at once, and the backfill has nothing to do for it
        JsonNode index = Oci.JSON.readTree(Oci.anonymous().get("/v2/" + repo + "/manifests/0.9-pg17").then().statusCode(200)
                .contentType(BundleImage.INDEX_MEDIA_TYPE).extract().asByteArray());
        assertThat(index.path("manifests")).hasSize(1);
        assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(img.manifestDigest());
        maintenance.backfill();
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + img.platformTag().orElseThrow()).then()
                .header("Docker-Content-Digest", img.manifestDigest());
    }

    @Test
    void theMovingTagIsAnIndexOfTheNewestImagePerPlatform() throws Exception {
        String name = Bundles.uniqueName("multi");
        Packed amd = pack(name, "2.0", "debian-12-amd64-glibc", 3);
        Packed arm = pack(name, "2.0", "debian-12-arm64-glibc", 4);
        Packed amdNewer = pack(name, "2.0", "debian-13-amd64-glibc", 5);
        Packed other = pack(name, "2.1", "debian-12-amd64-glibc", 6);
        for (Packed p : List.of(amd, arm, amdNewer, other)) {
            upload(p);
            Thread.sleep(5);
        }
        maintenance.backfill();
        String repo = "extensions/" + name;
        JsonNode index = Oci.JSON.readTree(Oci.anonymous().get("/v2/" + repo + "/manifests/2.0-pg17").then().statusCode(200)
                .extract().asByteArray());
        assertThat(index.path("manifests")).hasSize(2);
        assertThat(index.findValuesAsText("digest")).containsExactlyInAnyOrder(arm.image().manifestDigest(),
                amdNewer.image().manifestDigest());
        assertThat(index.findValuesAsText("architecture")).containsExactlyInAnyOrder("amd64", "arm64");
        List<String> tags = Oci.anonymous().get("/v2/" + repo + "/tags/list").then().statusCode(200).extract().path("tags");
        assertThat(tags).containsExactlyInAnyOrder("2.0-pg17", "2.0-pg17-debian-12-amd64", "2.0-pg17-debian-12-arm64",
                "2.0-pg17-debian-13-amd64", "2.1-pg17", "2.1-pg17-debian-12-amd64");
    }

    /**
     * After an upgrade that changed what {@link BundleImage} writes (new annotations), the images
     * made before keep their digests: the moving tag's index names the recorded image of each
     * bundle, which exists, not the digest today's code would compute, which does not.
     */
    @Test
    void theMovingTagNamesTheRecordedImageOfABundleMadeByAnEarlierVersion() throws Exception {
        Packed p = pack(Bundles.uniqueName("older"), "3.0", "debian-12-amd64-glibc", 7);
        upload(p);
        BundleImage today = p.image();
        String repo = today.repository();
        // the image as an earlier extfarm wrote it: same config and layer, one annotation fewer
        ObjectNode earlier = (ObjectNode) Oci.JSON.readTree(today.manifest());
        ((ObjectNode) earlier.path("annotations")).remove("org.opencontainers.image.revision");
        byte[] earlierBytes = Oci.JSON.writeValueAsBytes(earlier);
        String earlierDigest = Oci.sha256(earlierBytes);
        assertThat(earlierDigest).isNotEqualTo(today.manifestDigest());
        // recorded as the bundle's image (as the earlier extfarm did), then pushed: the push rules take
        // exactly the image the registry holds for a bundle, besides today's
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("INSERT INTO oci_bundle_image (bundle_sha256, repository, "
                + "manifest_digest) VALUES (:h, :r, :d)").setParameter("h", p.sha256()).setParameter("r", repo)
                .setParameter("d", earlierDigest).executeUpdate());
        String worker = Api.token("worker", null);
        Oci.as(worker).contentType("application/octet-stream").body(today.config()).queryParam("digest", today.configDigest())
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
        Oci.as(worker).contentType(BundleImage.MANIFEST_MEDIA_TYPE).body(earlierBytes)
                .put("/v2/" + repo + "/manifests/" + today.platformTag().orElseThrow()).then().statusCode(201)
                .header("Docker-Content-Digest", earlierDigest);

        images.refreshMovingTag(p.name(), "3.0", 17);
        maintenance.backfill();

        JsonNode index = Oci.JSON.readTree(Oci.anonymous().get("/v2/" + repo + "/manifests/3.0-pg17").then().statusCode(200)
                .extract().asByteArray());
        assertThat(index.path("manifests")).hasSize(1);
        assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(earlierDigest);
        assertThat(index.path("manifests").get(0).path("size").asLong()).isEqualTo(earlierBytes.length);
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + earlierDigest).then().statusCode(200);
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + today.platformTag().orElseThrow()).then().statusCode(200)
                .header("Docker-Content-Digest", earlierDigest);
    }
}
