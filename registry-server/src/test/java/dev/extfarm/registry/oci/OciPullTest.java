package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The conformance suite's pull workflow (and Range), re-expressed; each test in its own repository. */
@QuarkusTest
class OciPullTest {

    @Inject
    OciMaintenance maintenance;

    @Test
    void blobsAreServedWithTheirDigestAndMissingOnesAre404() {
        String repo = Oci.repo("pull");
        byte[] blob = Oci.random(5000, 1);
        String d = Oci.pushBlob(repo, blob);
        Oci.admin().head("/v2/" + repo + "/blobs/" + d).then().statusCode(200)
                .header("Docker-Content-Digest", d).header("Content-Length", "5000");
        byte[] got = Oci.admin().get("/v2/" + repo + "/blobs/" + d).then().statusCode(200)
                .header("Docker-Content-Digest", d).header("Content-Type", "application/octet-stream")
                .extract().asByteArray();
        assertThat(got).isEqualTo(blob);
        String dummy = Oci.sha256("hello world".getBytes());
        Oci.admin().head("/v2/" + repo + "/blobs/" + dummy).then().statusCode(404);
        Oci.admin().get("/v2/" + repo + "/blobs/" + dummy).then().statusCode(404).contentType("application/json")
                .body("errors[0].code", equalTo("BLOB_UNKNOWN"));
    }

    @Test
    void manifestsByTagAndDigestCarryTheirTypeAndDigest() {
        BundleImagesTest.Packed p = Oci.published(maintenance, "pull", "1.0", 2);
        String repo = p.image().repository();
        byte[] m = p.image().manifest();
        String d = Oci.sha256(m);
        for (String ref : new String[] {p.image().platformTag().orElseThrow(), d}) {
            Oci.admin().accept(Oci.MANIFEST).head("/v2/" + repo + "/manifests/" + ref).then().statusCode(200)
                    .header("Docker-Content-Digest", d).header("Content-Type", Oci.MANIFEST)
                    .header("Content-Length", String.valueOf(m.length));
            byte[] got = Oci.admin().accept(Oci.MANIFEST).get("/v2/" + repo + "/manifests/" + ref).then().statusCode(200)
                    .header("Docker-Content-Digest", d).header("Content-Type", Oci.MANIFEST).extract().asByteArray();
            assertThat(got).isEqualTo(m);
        }
        Oci.admin().head("/v2/" + repo + "/manifests/.INVALID_MANIFEST_NAME").then().statusCode(404);
        Oci.admin().get("/v2/" + repo + "/manifests/nope").then().statusCode(404).body("errors[0].code", equalTo("MANIFEST_UNKNOWN"));
    }

    @Test
    void rangesAre206AndRangesPastTheEndAre416() {
        String repo = Oci.repo("range");
        byte[] blob = Oci.random(10_000, 3);
        String d = Oci.pushBlob(repo, blob);
        byte[] part = Oci.admin().header("Range", "bytes=100-199").get("/v2/" + repo + "/blobs/" + d).then().statusCode(206)
                .header("Content-Range", "bytes 100-199/10000").header("Content-Length", "100").extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(blob, 100, 200));
        byte[] tail = Oci.admin().header("Range", "bytes=-10").get("/v2/" + repo + "/blobs/" + d).then().statusCode(206)
                .header("Content-Range", "bytes 9990-9999/10000").extract().asByteArray();
        assertThat(tail).isEqualTo(Arrays.copyOfRange(blob, 9990, 10_000));
        byte[] open = Oci.admin().header("Range", "bytes=9000-").get("/v2/" + repo + "/blobs/" + d).then().statusCode(206)
                .extract().asByteArray();
        assertThat(open).isEqualTo(Arrays.copyOfRange(blob, 9000, 10_000));
        Oci.admin().header("Range", "bytes=10000-").get("/v2/" + repo + "/blobs/" + d).then().statusCode(416)
                .header("Content-Range", "bytes */10000").body("errors[0].code", equalTo("SIZE_INVALID"));
    }

    /**
     * Issue 25: blobs answer conditional and range requests by the bundle paths' rule (BlobServing);
     * each line but the second-to-last failed before (If-Range and an If-None-Match list with '*'
     * were not read, a zero suffix was served whole, an invalid range past the end was a 416, a sign
     * was read as part of a number, a huge last position made the range ignored).
     */
    @Test
    void conditionalAndRangeRequestsFollowTheOneRule() {
        String repo = Oci.repo("range");
        byte[] blob = Oci.random(10_000, 4);
        String d = Oci.pushBlob(repo, blob);
        String path = "/v2/" + repo + "/blobs/" + d;
        Oci.admin().header("Range", "bytes=0-9").header("If-Range", "\"stale\"").get(path).then().statusCode(200)
                .header("Content-Length", "10000");
        Oci.admin().header("If-None-Match", "\"other\", *").get(path).then().statusCode(304);
        Oci.admin().header("Range", "bytes=-0").get(path).then().statusCode(416).header("Content-Range", "bytes */10000");
        Oci.admin().header("Range", "bytes=20000-100").get(path).then().statusCode(200);
        Oci.admin().header("Range", "bytes=+5-9").get(path).then().statusCode(200);
        Oci.admin().header("Range", "bytes=0-9").header("If-Range", "\"" + d + "\"").get(path).then().statusCode(206);
        Oci.admin().header("Range", "bytes=0-99999999999999999999").get(path).then().statusCode(206)
                .header("Content-Range", "bytes 0-9999/10000");
    }

    @Test
    void anInvalidManifestPushIsA400WithAnOciErrorBody() {
        String repo = Oci.repo("pull");
        var r = Oci.putManifest(repo, "sha256:totallywrong", Oci.MANIFEST, "blablabla".getBytes());
        r.then().statusCode(400).contentType("application/json");
        assertThat(Oci.errorCode(r)).isIn("DIGEST_INVALID", "MANIFEST_INVALID");
    }

    @Test
    void publicBlobsAreImmutableForCaches() {
        BundleImagesTest.Packed p = Oci.published(maintenance, "cache", "1.0", 4);
        String repo = p.image().repository();
        String d = p.image().configDigest();
        Oci.anonymous().get("/v2/" + repo + "/blobs/" + d).then().statusCode(200)
                .header("Cache-Control", "public, max-age=31536000, immutable").header("ETag", "\"" + d + "\"");
        Oci.anonymous().header("If-None-Match", "\"" + d + "\"").get("/v2/" + repo + "/blobs/" + d).then().statusCode(304);
    }
}
