package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every error code of the OCI distribution spec, each provoked the way a client would, always in
 * the spec's envelope {@code {"errors":[{"code","message","detail"}]}} and never problem+json; and
 * a refused manifest leaves nothing visible.
 */
@QuarkusTest
class OciErrorCodesTest {

    static ValidatableResponse envelope(ValidatableResponse r, int status, String code) {
        return r.statusCode(status).contentType("application/json").body("errors[0].code", equalTo(code))
                .body("errors[0].message", notNullValue());
    }

    @Test
    void blobUnknown() {
        envelope(Oci.admin().get("/v2/" + Oci.repo("err") + "/blobs/" + Oci.sha256(new byte[] {1})).then(), 404, "BLOB_UNKNOWN");
    }

    @Test
    void blobUploadInvalid() {
        String repo = Oci.repo("err");
        String loc = Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202).extract().header("Location");
        envelope(Oci.admin().contentType("application/octet-stream").header("Content-Range", "garbage").body(new byte[3])
                .patch(loc).then(), 400, "BLOB_UPLOAD_INVALID");
        envelope(Oci.admin().contentType("application/octet-stream").header("Content-Range", "5-7").body(new byte[3])
                .patch(loc).then(), 416, "BLOB_UPLOAD_INVALID").header("Range", "0-0").header("Location", loc);
    }

    @Test
    void blobUploadUnknown() {
        String repo = Oci.repo("err");
        envelope(Oci.admin().get("/v2/" + repo + "/blobs/uploads/" + UUID.randomUUID()).then(), 404, "BLOB_UPLOAD_UNKNOWN");
        envelope(Oci.admin().contentType("application/octet-stream").body(new byte[1])
                .patch("/v2/" + repo + "/blobs/uploads/not-a-session").then(), 404, "BLOB_UPLOAD_UNKNOWN");
        String elsewhere = Oci.admin().post("/v2/" + Oci.repo("err") + "/blobs/uploads/").then().extract().header("Location");
        String id = elsewhere.substring(elsewhere.lastIndexOf('/') + 1);
        envelope(Oci.admin().get("/v2/" + repo + "/blobs/uploads/" + id).then(), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void digestInvalid() {
        String repo = Oci.repo("err");
        byte[] blob = Oci.random(100, 50);
        envelope(Oci.admin().contentType("application/octet-stream").body(blob).queryParam("digest", Oci.sha256(new byte[] {9}))
                .post("/v2/" + repo + "/blobs/uploads/").then(), 400, "DIGEST_INVALID")
                .body("errors[0].detail.actual", equalTo(Oci.sha256(blob)));
        envelope(Oci.admin().get("/v2/" + repo + "/blobs/sha256:nothex").then(), 400, "DIGEST_INVALID");
        String loc = Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().extract().header("Location");
        envelope(Oci.admin().contentType("application/octet-stream").body(blob).put(loc).then(), 400, "DIGEST_INVALID");
        Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(blob)).then().statusCode(404);
    }

    @Test
    void manifestBlobUnknownAndNothingPartialIsVisible() throws Exception {
        // the image of an uploaded bundle, pushed before its config
        BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName("err"), "1.0", Bundles.PLATFORM, 51);
        BundleImagesTest.upload(p);
        String repo = p.image().repository();
        String tag = p.image().platformTag().orElseThrow();
        envelope(Oci.putManifest(repo, tag, Oci.MANIFEST, p.image().manifest()).then(), 400, "MANIFEST_BLOB_UNKNOWN")
                .body("errors[0].detail.digest", equalTo(p.image().configDigest()));
        assertNothingVisible(repo, tag, p.image().manifest());
    }

    @Test
    void aManifestWhoseDigestLiesIsRefusedAndNothingIsVisible() {
        String repo = Oci.repo("err");
        byte[] config = Oci.config("lie");
        Oci.pushBlob(repo, config);
        byte[] m = Oci.bytes(Oci.manifest(config));
        String lie = Oci.sha256(Oci.bytes(Oci.manifest(Oci.config("other"))));
        envelope(Oci.putManifest(repo, lie, Oci.MANIFEST, m).then(), 400, "DIGEST_INVALID");
        Oci.admin().get("/v2/" + repo + "/manifests/" + lie).then().statusCode(404);
        assertNothingVisible(repo, "t", m);
    }

    @Test
    void manifestInvalid() {
        String repo = Oci.repo("err");
        byte[] config = Oci.config("invalid");
        Oci.pushBlob(repo, config);
        envelope(Oci.putManifest(repo, "t", Oci.MANIFEST, "blablabla".getBytes()).then(), 400, "MANIFEST_INVALID");
        ObjectNode v1 = Oci.manifest(config).put("schemaVersion", 1);
        envelope(Oci.putManifest(repo, "t", Oci.MANIFEST, Oci.bytes(v1)).then(), 400, "MANIFEST_INVALID");
        ObjectNode wrongType = Oci.manifest(config);
        envelope(Oci.putManifest(repo, "t", Oci.INDEX, Oci.bytes(wrongType)).then(), 400, "MANIFEST_INVALID");
        ObjectNode badSize = Oci.manifest(config);
        ((ObjectNode) badSize.get("config")).put("size", -1);
        envelope(Oci.putManifest(repo, "t", Oci.MANIFEST, Oci.bytes(badSize)).then(), 400, "MANIFEST_INVALID");
        ObjectNode noConfig = Oci.manifest(config);
        noConfig.remove("config");
        envelope(Oci.putManifest(repo, "t", Oci.MANIFEST, Oci.bytes(noConfig)).then(), 400, "MANIFEST_INVALID");
        envelope(Oci.putManifest(repo, "bad:tag:", Oci.MANIFEST, Oci.bytes(Oci.manifest(config))).then(), 400, "DIGEST_INVALID");
        assertNothingVisible(repo, "t", Oci.bytes(noConfig));
    }

    static void assertNothingVisible(String repo, String tag, byte[] m) {
        Oci.admin().get("/v2/" + repo + "/manifests/" + tag).then().statusCode(404);
        Oci.admin().get("/v2/" + repo + "/manifests/" + Oci.sha256(m)).then().statusCode(404);
        var tags = Oci.admin().get("/v2/" + repo + "/tags/list").then().extract();
        if (tags.statusCode() == 200) {
            assertThat(tags.<List<String>>path("tags")).doesNotContain(tag);
        }
    }

    @Test
    void manifestUnknown() {
        String repo = Oci.repo("err");
        envelope(Oci.admin().get("/v2/" + repo + "/manifests/v2").then(), 404, "MANIFEST_UNKNOWN");
        envelope(Oci.admin().delete("/v2/" + repo + "/manifests/v2").then(), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void nameInvalid() {
        envelope(Oci.admin().get("/v2/library/alpine/manifests/latest").then(), 400, "NAME_INVALID");
        envelope(Oci.admin().get("/v2/extensions/UPPER/tags/list").then(), 400, "NAME_INVALID");
        envelope(Oci.admin().post("/v2/extensions/a/b/blobs/uploads/").then(), 400, "NAME_INVALID");
    }

    @Test
    void nameUnknown() {
        String repo = Oci.unknownRepo("err");
        envelope(Oci.admin().get("/v2/" + repo + "/tags/list").then(), 404, "NAME_UNKNOWN");
        envelope(Oci.admin().get("/v2/" + repo + "/manifests/latest").then(), 404, "NAME_UNKNOWN");
        envelope(Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then(), 404, "NAME_UNKNOWN");
    }

    @Test
    void sizeInvalid() {
        String repo = Oci.repo("err");
        String loc = Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().extract().header("Location");
        envelope(Oci.admin().contentType("application/octet-stream").header("Content-Range", "0-99").body(new byte[50])
                .patch(loc).then(), 400, "SIZE_INVALID");
        Oci.admin().get(loc).then().statusCode(204).header("Range", "0-0");
    }

    @Test
    void unauthorizedCarriesABearerChallenge() {
        String repo = Oci.repo("err");
        envelope(Oci.anonymous().post("/v2/" + repo + "/blobs/uploads/").then(), 401, "UNAUTHORIZED")
                .header("WWW-Authenticate", org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.startsWith("Bearer realm=\"http://"),
                        org.hamcrest.Matchers.containsString("/v2/token\",service=\"extfarm\""),
                        org.hamcrest.Matchers.containsString("scope=\"repository:" + repo + ":pull,push\"")));
        envelope(Oci.as("efw_not-a-real-token").get("/v2/" + repo + "/tags/list").then(), 401, "UNAUTHORIZED");
        envelope(Oci.anonymous().get("/v2/").then(), 401, "UNAUTHORIZED");
    }

    @Test
    void denied() {
        String tenant = Api.tenant("err");
        String compute = Api.token("compute", tenant);
        envelope(Oci.as(compute).post("/v2/" + Oci.repo("err") + "/blobs/uploads/").then(), 403, "DENIED");
        envelope(Oci.basic(Api.token("maintainer", null)).contentType(Oci.MANIFEST).body("{}")
                .put("/v2/" + Oci.repo("err") + "/manifests/x").then(), 403, "DENIED");
    }

    @Test
    void unsupported() {
        String repo = Oci.repo("err");
        envelope(Oci.admin().get("/v2/" + repo + "/blobs/sha384:" + "a".repeat(96)).then(), 400, "UNSUPPORTED");
        envelope(Oci.admin().patch("/v2/" + repo + "/manifests/latest").then(), 405, "UNSUPPORTED");
        envelope(Oci.putManifest(repo, "v1", "application/vnd.docker.distribution.manifest.v1+prettyjws",
                "{\"schemaVersion\":1}".getBytes()).then(), 415, "UNSUPPORTED");
        envelope(Oci.admin().get("/v2/" + repo + "/nonsense").then(), 404, "UNSUPPORTED");
    }

    @Test
    void tooManyRequests() {
        String repo = Oci.repo("err");
        for (int i = 0; i < 20; i++) {
            Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202);
        }
        envelope(Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then(), 429, "TOOMANYREQUESTS").header("Retry-After", "60");
        Oci.pushBlob(Oci.repo("err"), new byte[] {1, 2, 3});
    }
}
