package dev.extfarm.registry.bundle;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PUT /extensions/{name}/sha-256+{hex}/bundle.tar on real PostgreSQL and a temp-dir blob store. */
@QuarkusTest
class BundleUploadTest {

    @Inject
    BlobStore store;
    String worker;

    @BeforeEach
    void worker() {
        worker = Api.token("worker", null);
    }

    @Test
    void aNewBundleIs201AndTheSameBytesAgainAre200() {
        var b = Bundles.bundle(Bundles.uniqueName("hello"), "1.0", 17);
        as(worker).contentType("application/octet-stream").body(b.bytes()).put(b.path())
                .then().statusCode(201).header("Location", org.hamcrest.Matchers.endsWith(b.path()))
                .body("sha256", equalTo(b.sha256())).body("size", equalTo(b.bytes().length))
                .body("review_state", equalTo("approved")).body("pg_major", equalTo(17));
        as(worker).contentType("text/plain").body(b.bytes()).put(b.path())
                .then().statusCode(200).body("created", equalTo(false));
        given().get(b.path()).then().statusCode(200);
    }

    @Test
    void aMismatchedUploadIsRejectedAndNothingIsStored() throws Exception {
        var b = Bundles.bundle(Bundles.uniqueName("hello"), "1.0", 17);
        as(worker).body(b.bytes()).put(b.wrongPath())
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/digest-mismatch"))
                .body("detail", containsString("nothing was stored"));
        given().get(b.wrongPath()).then().statusCode(404).contentType("application/problem+json");
        given().get(b.path()).then().statusCode(404);
        assertThat(store.cleanTemporaries(Duration.ZERO)).isZero();
        assertThat(store.list("extensions/" + b.name() + "/")).isEmpty();
    }

    @Test
    void aHostileBundleIs422NamingTheRule() throws Exception {
        var b = Bundles.linkEscape(Bundles.uniqueName("evil"));
        as(worker).body(b.bytes()).put(b.path())
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("/problems/bundle-rejected"))
                .body("rule", equalTo("link-escape"))
                .body("entry", equalTo("lib/evil.so"))
                .body("detail", containsString("nothing was stored"));
        given().get(b.path()).then().statusCode(404);
        assertThat(store.list("extensions/" + b.name() + "/")).isEmpty();
        assertThat(store.cleanTemporaries(Duration.ZERO)).isZero();
    }

    @Test
    void aManifestThatDoesNotMatchTheFilesIs422() {
        var b = Bundles.manifestMismatch(Bundles.uniqueName("liar"));
        as(worker).body(b.bytes()).put(b.path())
                .then().statusCode(422).body("rule", equalTo("manifest-mismatch"));
    }

    @Test
    void aManifestNameOtherThanThePathIs422() {
        var b = Bundles.bundle(Bundles.uniqueName("real"), "1.0", 17);
        String other = "/extensions/" + Bundles.uniqueName("other") + "/sha-256+" + b.sha256() + "/bundle.tar";
        as(worker).body(b.bytes()).put(other)
                .then().statusCode(422).body("rule", equalTo("name-mismatch"))
                .body("detail", containsString(b.path().substring(1)));
    }

    @Test
    void garbageIs422() {
        byte[] junk = "this is not a tar file at all".repeat(40).getBytes();
        String path = "/extensions/junk/sha-256+" + Digests.sha256(junk) + "/bundle.tar";
        as(worker).body(junk).put(path).then().statusCode(422).contentType("application/problem+json");
    }

    @Test
    void anArchiveDeclaringMoreEntriesThanTheLimitIsRefusedAtItsManifest() throws Exception {
        // issue 21, item 12: the count is enforced from manifest.json, before any other entry is read
        // 10,000 files with 4 directories each, + manifest.json, doc/, share/, share/extension/ and the control file: 50,005 entries
        var b = Bundles.declaring(Bundles.uniqueName("crowd"), 10_000, 1);
        assertThat(b.bytes().length).as("under the test profile's 8 MiB upload limit").isLessThan(8 << 20);
        long t0 = System.nanoTime();
        as(worker).body(b.bytes()).put(b.path())
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("/problems/bundle-rejected"))
                .body("rule", equalTo("count")).body("entry", equalTo("manifest.json"))
                .body("detail", containsString("nothing was stored"));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("milliseconds to refuse").isLessThan(5_000);
        assertThat(store.list("extensions/" + b.name() + "/")).isEmpty();
        assertThat(store.cleanTemporaries(Duration.ZERO)).isZero();
    }

    @Test
    void anArchiveDeclaringMoreBytesThanTheLimitIsRefusedAtItsManifest() throws Exception {
        // refused at its manifest, before the bytes arrive; a bundle over the limit is a 413 however it is found out
        var b = Bundles.declaring(Bundles.uniqueName("huge"), 3, 1900L << 20);
        as(worker).body(b.bytes()).put(b.path())
                .then().statusCode(413).body("type", equalTo("/problems/bundle-too-large"))
                .body("detail", containsString("nothing was stored"));
        assertThat(store.list("extensions/" + b.name() + "/")).isEmpty();
        assertThat(store.cleanTemporaries(Duration.ZERO)).isZero();
    }

    @Test
    void uploadsNeedAWorkerOrAdminToken() {
        var b = Bundles.bundle(Bundles.uniqueName("auth"), "1.0", 17);
        given().body(b.bytes()).put(b.path()).then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
        as("efw_no-such-token").body(b.bytes()).put(b.path()).then().statusCode(401)
                .contentType("application/problem+json").body("detail", containsString("unknown or revoked"));
        String compute = Api.token("compute", Api.tenant("up"));
        as(compute).body(b.bytes()).put(b.path()).then().statusCode(403).contentType("application/problem+json");
        as(Api.token("maintainer", null)).body(b.bytes()).put(b.path()).then().statusCode(403);
        as(ADMIN).body(b.bytes()).put(b.path()).then().statusCode(201);
    }

    @Test
    void malformedNamesAndDigestsAre400() {
        byte[] any = {1, 2, 3};
        as(worker).body(any).put("/extensions/Bad_Name/sha-256+" + "a".repeat(64) + "/bundle.tar")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-name"));
        as(worker).body(any).put("/extensions/good/sha-256+XYZ/bundle.tar")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-digest"));
        as(worker).body(any).put("/extensions/good/md5+" + "a".repeat(32) + "/bundle.tar")
                .then().statusCode(400);
    }

    @Test
    void aBundleOverTheSizeLimitIs413() {
        // %test.extfarm.bundle.max-size is 8 MiB
        var b = Bundles.bundle(Bundles.uniqueName("big"), "1.0", 17, 9 << 20);
        as(worker).body(b.bytes()).put(b.path())
                .then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("/problems/bundle-too-large"));
        given().get(b.path()).then().statusCode(404);
    }

    @Test
    void twentyConcurrentUploadsOfTheSameBundleAllSucceedAndStoreItOnce() throws Exception {
        var b = Bundles.bundle(Bundles.uniqueName("race"), "1.0", 17, 2 << 20);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tasks.add(() -> as(worker).body(b.bytes()).put(b.path()).then().extract().statusCode());
        }
        List<Integer> statuses = new ArrayList<>();
        try {
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                statuses.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(statuses).allMatch(s -> s == 200 || s == 201).contains(201);
        assertThat(store.list("extensions/" + b.name() + "/"))
                .extracting(i -> i.key().path())
                .containsExactly(b.path().substring(1), b.path().substring(1) + ".sig", b.controlPath().substring(1));
        assertThat(store.cleanTemporaries(Duration.ZERO)).isZero();
        byte[] got = given().get(b.path()).then().statusCode(200).extract().asByteArray();
        assertThat(Digests.sha256(got)).isEqualTo(b.sha256());
        given().get("/api/v1/extensions/" + b.name()).then().statusCode(200)
                .body("versions[0].bundles.size()", equalTo(1));
    }
}
