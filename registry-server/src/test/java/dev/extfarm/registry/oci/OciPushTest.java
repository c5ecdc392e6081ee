package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite's push workflow: every upload mode, mounts, manifests; each test in its own
 * repository of the catalog. Manifests are bundle images only ({@link OciPushRulesTest} has the rules).
 */
@QuarkusTest
class OciPushTest {

    static String location(Response r) {
        return r.then().extract().header("Location");
    }

    @Test
    void streamedUploadIsPostPatchPut() {
        String repo = Oci.repo("push");
        byte[] blob = Oci.random(42, 10);
        String loc = location(Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202)
                .header("Location", startsWith("/v2/" + repo + "/blobs/uploads/")).extract().response());
        loc = location(Oci.admin().contentType("application/octet-stream").body(blob).patch(loc).then().statusCode(202)
                .header("Range", "0-41").extract().response());
        Oci.admin().contentType("application/octet-stream").queryParam("digest", Oci.sha256(blob)).put(loc)
                .then().statusCode(201).header("Location", "/v2/" + repo + "/blobs/" + Oci.sha256(blob))
                .header("Docker-Content-Digest", Oci.sha256(blob));
        assertThat(Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(blob)).asByteArray()).isEqualTo(blob);
    }

    @Test
    void monolithicUploadIsPostWithDigestOrPostThenPut() {
        String repo = Oci.repo("push");
        byte[] a = Oci.config("mono-a");
        Oci.admin().contentType("application/octet-stream").body(a).queryParam("digest", Oci.sha256(a))
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201).header("Location", "/v2/" + repo + "/blobs/" + Oci.sha256(a));
        Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(a)).then().statusCode(200);
        byte[] b = Oci.config("mono-b");
        String loc = location(Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202).extract().response());
        Oci.admin().contentType("application/octet-stream").body(b).queryParam("digest", Oci.sha256(b)).put(loc)
                .then().statusCode(201);
        assertThat(Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(b)).asByteArray()).isEqualTo(b);
    }

    @Test
    void chunkedUploadChecksOrderAndReportsItsState() {
        String repo = Oci.repo("chunk");
        byte[] blob = Oci.random(42, 11);
        byte[] c1 = Arrays.copyOfRange(blob, 0, 22);
        byte[] c2 = Arrays.copyOfRange(blob, 22, 42);
        // out of order: the second chunk first
        String other = location(Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then()
                .statusCode(202).extract().response());
        Oci.admin().contentType("application/octet-stream").header("Content-Range", "22-41").body(c2).patch(other)
                .then().statusCode(416).body("errors[0].code", equalTo("BLOB_UPLOAD_INVALID")).header("Range", "0-0");
        // in order
        String first = location(Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202).extract().response());
        Response r1 = Oci.admin().contentType("application/octet-stream").header("Content-Range", "0-21").body(c1).patch(first);
        r1.then().statusCode(202).header("Range", "0-21");
        // retrying the first chunk is out of order now
        Oci.admin().contentType("application/octet-stream").header("Content-Range", "0-21").body(c1).patch(first).then().statusCode(416);
        // GET reports the state
        Oci.admin().get(first).then().statusCode(204).header("Range", "0-21").header("Location", first);
        String loc = location(Oci.admin().contentType("application/octet-stream").header("Content-Range", "22-41").body(c2)
                .patch(location(r1)).then().statusCode(202).header("Range", "0-41").extract().response());
        Oci.admin().contentType("application/octet-stream").queryParam("digest", Oci.sha256(blob)).put(loc).then().statusCode(201);
        assertThat(Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(blob)).asByteArray()).isEqualTo(blob);
        // the session is gone
        Oci.admin().get(first).then().statusCode(404).body("errors[0].code", equalTo("BLOB_UPLOAD_UNKNOWN"));
    }

    @Test
    void theLastChunkMayComeWithThePut() {
        String repo = Oci.repo("chunk");
        byte[] blob = Oci.random(100, 12);
        String loc = location(Oci.admin().post("/v2/" + repo + "/blobs/uploads/"));
        loc = location(Oci.admin().contentType("application/octet-stream").header("Content-Range", "0-49")
                .body(Arrays.copyOfRange(blob, 0, 50)).patch(loc));
        Oci.admin().contentType("application/octet-stream").header("Content-Range", "50-99").queryParam("digest", Oci.sha256(blob))
                .body(Arrays.copyOfRange(blob, 50, 100)).put(loc).then().statusCode(201);
        assertThat(Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(blob)).asByteArray()).isEqualTo(blob);
    }

    @Test
    void aCancelledUploadIsGone() {
        String repo = Oci.repo("cancel");
        String loc = location(Oci.admin().post("/v2/" + repo + "/blobs/uploads/"));
        Oci.admin().contentType("application/octet-stream").body(new byte[10]).patch(loc).then().statusCode(202);
        Oci.admin().delete(loc).then().statusCode(204);
        Oci.admin().get(loc).then().statusCode(404).body("errors[0].code", equalTo("BLOB_UPLOAD_UNKNOWN"));
    }

    @Test
    void crossRepositoryMountLinksWithoutBytesOrFallsBackToASession() {
        String from = Oci.repo("mountsrc");
        String to = Oci.repo("mountdst");
        byte[] blob = Oci.random(64, 13);
        String d = Oci.pushBlob(from, blob);
        Oci.admin().queryParam("mount", d).queryParam("from", from).post("/v2/" + to + "/blobs/uploads/").then()
                .statusCode(201).header("Location", "/v2/" + to + "/blobs/" + d).header("Docker-Content-Digest", d);
        assertThat(Oci.admin().get("/v2/" + to + "/blobs/" + d).asByteArray()).isEqualTo(blob);
        String dummy = Oci.sha256("hello world".getBytes());
        Oci.admin().queryParam("mount", dummy).queryParam("from", from).post("/v2/" + to + "/blobs/uploads/").then()
                .statusCode(202).header("Location", startsWith("/v2/" + to + "/blobs/uploads/"));
        Oci.admin().queryParam("mount", d).post("/v2/" + Oci.repo("mountnofrom") + "/blobs/uploads/").then().statusCode(202);
    }

    @Test
    void sha512DigestsWorkForBlobs() throws Exception {
        String repo = Oci.repo("sha512");
        byte[] blob = Oci.random(3000, 14);
        String d = "sha512:" + Digests.hex(MessageDigest.getInstance("SHA-512").digest(blob));
        Oci.admin().contentType("application/octet-stream").body(blob).queryParam("digest", d)
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201).header("Docker-Content-Digest", d);
        assertThat(Oci.admin().get("/v2/" + repo + "/blobs/" + d).then().statusCode(200).header("Docker-Content-Digest", d)
                .extract().asByteArray()).isEqualTo(blob);
        String wrong = "sha512:" + "0".repeat(128);
        Oci.admin().contentType("application/octet-stream").body(blob).queryParam("digest", wrong)
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(400).body("errors[0].code", equalTo("DIGEST_INVALID"));
        Oci.admin().get("/v2/" + repo + "/blobs/" + wrong).then().statusCode(404);
    }

    @Test
    void aBundleImageIsPushedByDigestAndUnderItsPlatformTag() throws Exception {
        BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName("manifest"), "1.0", Bundles.PLATFORM, 15);
        BundleImagesTest.upload(p);
        BundleImage img = p.image();
        String repo = img.repository();
        String worker = Api.token("worker", null);
        Oci.as(worker).head("/v2/" + repo + "/blobs/" + img.layerDigest()).then().statusCode(200);
        Oci.as(worker).contentType("application/octet-stream").body(img.config()).queryParam("digest", img.configDigest())
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
        for (String ref : List.of(img.manifestDigest(), img.platformTag().orElseThrow(), img.platformTag().orElseThrow())) {
            Oci.as(worker).contentType(Oci.MANIFEST).body(img.manifest()).put("/v2/" + repo + "/manifests/" + ref).then()
                    .statusCode(201).header("Location", "/v2/" + repo + "/manifests/" + img.manifestDigest())
                    .header("Docker-Content-Digest", img.manifestDigest());
        }
        assertThat(Oci.anonymous().get("/v2/" + repo + "/manifests/" + img.platformTag().orElseThrow()).then().statusCode(200)
                .header("Docker-Content-Digest", img.manifestDigest()).extract().asByteArray()).isEqualTo(img.manifest());
    }

    @Test
    void aManifestOfAbout4MbIsReadWholeAndOneOverTheLimitIs413() {
        String repo = Oci.repo("big");
        byte[] config = Oci.config("big");
        Oci.pushBlob(repo, config);
        ObjectNode m = Oci.manifest(config);
        ObjectNode ann = m.putObject("annotations");
        for (int i = 0; Oci.bytes(m).length < 4_100_000; ) {
            for (int j = 0; j < 100; j++, i++) {
                ann.put("dev.extfarm.test.padding." + i, "x".repeat(1000));
            }
        }
        byte[] big = Oci.bytes(m);
        assertThat(big.length).isBetween(4_000_000, 4_194_304);
        // read whole and judged by the push rules (it is no bundle's image)
        Oci.putManifest(repo, Oci.sha256(big), Oci.MANIFEST, big).then().statusCode(403).body("errors[0].code", equalTo("DENIED"));
        for (int i = 0; i < 200; i++) {
            ann.put("dev.extfarm.test.more." + i, "y".repeat(1000));
        }
        assertThat(Oci.bytes(m).length).isGreaterThan(4_194_304);
        Oci.putManifest(repo, Oci.sha256(Oci.bytes(m)), Oci.MANIFEST, Oci.bytes(m)).then().statusCode(413)
                .body("errors[0].code", equalTo("SIZE_INVALID"));
        Oci.admin().get("/v2/" + repo + "/manifests/" + Oci.sha256(Oci.bytes(m))).then().statusCode(404);
    }
}
