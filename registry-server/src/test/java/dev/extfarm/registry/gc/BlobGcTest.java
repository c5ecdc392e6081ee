package dev.extfarm.registry.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.blob.BlobWriter;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Blob GC and the consistency check on the real PostgreSQL (embedded binaries) and the filesystem
 * store; "old" bytes are files whose mtime the test moves back past the grace period (30 min here).
 * Its own profile gives it a registry of its own, so the whole-store assertions are about this class's data only.
 */
@QuarkusTest
@TestProfile(BlobGcTest.OwnRegistry.class)
class BlobGcTest {

    public static class OwnRegistry implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.gc.grace", "30m");
        }
    }

    @Inject
    BlobStore store;
    @Inject
    javax.sql.DataSource dataSource;

    @Test
    void anOrphanOlderThanTheGracePeriodIsDeleted() throws Exception {
        BlobKey orphan = orphanBundleBytes();
        age(orphan, Duration.ofHours(2));
        assertThat(gc(null).getList("deleted", String.class)).contains(orphan.path());
        assertThat(store.stat(orphan)).isEmpty();
    }

    @Test
    void anOrphanYoungerThanTheGracePeriodIsKept() throws Exception {
        BlobKey orphan = orphanBundleBytes();
        age(orphan, Duration.ofMinutes(10));
        JsonPath run = gc(null);
        assertThat(run.getList("deleted", String.class)).doesNotContain(orphan.path());
        assertThat(run.getInt("young_orphans")).isPositive();
        assertThat(store.stat(orphan)).isPresent();
        assertThat(consistency().getList("orphan_blobs", String.class)).contains(orphan.path());
        assertThat(gc("PT0S").getList("deleted", String.class)).contains(orphan.path());
    }

    @Test
    void referencedBlobsAreKeptHoweverOld() throws Exception {
        var b = Bundles.bundle(Bundles.uniqueName("gc"), "1.0", 17);
        Api.upload(Api.ADMIN, b, 201);
        BlobKey bundle = BlobKey.of(b.path().substring(1));
        BlobKey control = BlobKey.of(b.controlPath().substring(1));
        age(bundle, Duration.ofDays(30));
        age(control, Duration.ofDays(30));
        List<String> deleted = gc("PT0S").getList("deleted", String.class);
        assertThat(deleted).doesNotContain(bundle.path(), control.path());
        io.restassured.RestAssured.given().get(b.path()).then().statusCode(200);
        io.restassured.RestAssured.given().get(b.controlPath()).then().statusCode(200);
    }

    @Test
    void inFlightUploadsAreKeptHoweverOld() throws Exception {
        // an OCI upload session with one chunk in the store, the session still open (in a repository of the catalog)
        String name = Bundles.uniqueName("gc");
        Api.as(Api.ADMIN).contentType("application/json").body(java.util.Map.of("visibility", "public"))
                .put("/api/v1/admin/extensions/" + name + "/visibility").then().statusCode(200);
        String repo = "extensions/" + name;
        String loc = Api.as(Api.ADMIN).post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202).extract().header("Location");
        loc = Api.as(Api.ADMIN).contentType("application/octet-stream").body(new byte[] {1, 2, 3}).patch(loc)
                .then().statusCode(202).extract().header("Location");
        String session = loc.substring(loc.lastIndexOf('/') + 1);
        BlobKey chunk = BlobKey.of("oci/uploads/" + session + "/0");
        assertThat(store.stat(chunk)).isPresent();
        age(chunk, Duration.ofHours(2));
        // a bundle upload still streaming: bytes in the store's temporary, not yet published
        byte[] partial = random(4096);
        try (BlobWriter writing = store.writer(BlobKey.of("extensions/gc_inflight/sha-256+" + Digests.sha256(partial) + "/bundle.tar"))) {
            writing.write(partial);
            gc("PT0S");
            assertThat(store.stat(chunk)).isPresent();
            assertThat(writing.commit(Digests.sha256(partial)).created()).isTrue();
        }
        JsonPath report = consistency();
        assertThat(report.getList("orphan_blobs", String.class)).doesNotContain(chunk.path());
        assertThat(report.getInt("in_flight")).isPositive();
        // the session finishes normally: its chunk becomes the blob
        Api.as(Api.ADMIN).contentType("application/octet-stream").queryParam("digest", "sha256:" + Digests.sha256(new byte[] {1, 2, 3}))
                .put(loc).then().statusCode(201);
        gc("PT0S"); // clears the test's own orphan (the bundle bytes without a row)
    }

    @Test
    void theConsistencyCheckReportsBlobsWithoutRowsAndRowsWithoutBlobs() throws Exception {
        var b = Bundles.bundle(Bundles.uniqueName("gc"), "1.0", 15);
        Api.upload(Api.ADMIN, b, 201);
        gc("PT0S");
        Api.as(Api.ADMIN).get("/api/v1/admin/consistency").then().statusCode(200)
                .body("ok", equalTo(true)).body("missing_blobs.size()", equalTo(0)).body("orphan_blobs.size()", equalTo(0));

        BlobKey bundle = BlobKey.of(b.path().substring(1));
        Path file = store.localFile(bundle).orElseThrow();
        Path saved = Files.createTempFile("gc-test", ".tar");
        Files.copy(file, saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        store.delete(bundle);
        BlobKey orphan = orphanBundleBytes();
        try {
            JsonPath report = consistency();
            assertThat(report.getBoolean("ok")).isFalse();
            assertThat(report.getList("missing_blobs", String.class)).containsExactly(bundle.path());
            assertThat(report.getList("orphan_blobs", String.class)).containsExactly(orphan.path());
        } finally {
            store.put(bundle, Files.newInputStream(saved), b.sha256());
            store.delete(orphan);
            Files.delete(saved);
        }
        Api.as(Api.ADMIN).get("/api/v1/admin/consistency").then().statusCode(200).body("ok", equalTo(true));
    }

    /**
     * The race the recorder's lock closes: the bytes of a bundle sit there unreferenced (an earlier
     * upload died before recording), a new upload of the same bytes arrives, and the collector
     * deletes them meanwhile. The test holds the recorder's advisory lock itself, lets the upload
     * block on it, deletes the blobs as the collector would, and releases. Since issue 21 an upload
     * publishes its blobs under that lock, in the transaction that records the row (it used to
     * publish first and was answered 409 bundle-collected here): it publishes them again and is
     * recorded, and nothing refers to missing bytes.
     */
    @Test
    void anUploadWhoseBytesWereCollectedMeanwhilePublishesThemAgainUnderTheLock() throws Exception {
        var b = Bundles.bundle(Bundles.uniqueName("race"), "1.0", 15);
        BlobKey bundle = BlobKey.of(b.path().substring(1));
        BlobKey control = BlobKey.of(b.controlPath().substring(1));
        store.put(bundle, new ByteArrayInputStream(b.bytes()), b.sha256());
        java.util.concurrent.Future<io.restassured.response.Response> upload;
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (java.sql.Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try (var lock = db.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, b.sha256());
                lock.execute();
            }
            upload = pool.submit(() -> Api.as(Api.ADMIN).body(b.bytes()).put(b.path()));
            waitForAWaitingAdvisoryLock(db);
            assertThat(store.delete(bundle)).isTrue(); // what the collector does under this lock
            store.delete(control);
            db.commit();
        }
        upload.get(60, java.util.concurrent.TimeUnit.SECONDS).then().statusCode(201);
        pool.shutdown();
        io.restassured.RestAssured.given().get("/api/v1/extensions/" + b.name()).then().statusCode(200);
        assertThat(consistency().getList("missing_blobs", String.class)).isEmpty();
        assertThat(store.stat(bundle)).isPresent();
        assertThat(store.stat(control)).isPresent();
        io.restassured.RestAssured.given().get(b.path()).then().statusCode(200);
    }

    private static void waitForAWaitingAdvisoryLock(java.sql.Connection db) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (var q = db.prepareStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
                 var rs = q.executeQuery()) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the upload never reached the recorder's lock");
    }

    @Test
    void onlyAnAdminMayCheckOrCollect() {
        String worker = Api.token("worker", null);
        Api.as(worker).get("/api/v1/admin/consistency").then().statusCode(403);
        Api.as(worker).post("/api/v1/admin/gc").then().statusCode(403);
        io.restassured.RestAssured.given().get("/api/v1/admin/consistency").then().statusCode(401);
    }

    @Test
    void aBadGraceIsRefusedAndNothingIsDeleted() throws Exception {
        BlobKey orphan = orphanBundleBytes();
        age(orphan, Duration.ofHours(2));
        Api.as(Api.ADMIN).queryParam("grace", "ten minutes").post("/api/v1/admin/gc").then().statusCode(400)
                .contentType("application/problem+json").body("detail", org.hamcrest.Matchers.containsString("nothing was deleted"));
        Api.as(Api.ADMIN).queryParam("grace", "-PT1M").post("/api/v1/admin/gc").then().statusCode(400);
        assertThat(store.stat(orphan)).isPresent();
        store.delete(orphan);
    }

    /** Bytes published at a bundle address with no bundle row: what an upload killed before recording leaves. */
    private BlobKey orphanBundleBytes() throws Exception {
        byte[] bytes = random(2048);
        String sha = Digests.sha256(bytes);
        BlobKey key = BlobKey.of("extensions/" + Bundles.uniqueName("orphan") + "/sha-256+" + sha + "/bundle.tar");
        store.put(key, new ByteArrayInputStream(bytes), sha);
        return key;
    }

    private void age(BlobKey key, Duration by) throws Exception {
        Files.setLastModifiedTime(store.localFile(key).orElseThrow(), FileTime.from(Instant.now().minus(by)));
    }

    private static JsonPath gc(String grace) {
        var req = Api.as(Api.ADMIN);
        if (grace != null) {
            req = req.queryParam("grace", grace);
        }
        return req.post("/api/v1/admin/gc").then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath consistency() {
        return Api.as(Api.ADMIN).get("/api/v1/admin/consistency").then().statusCode(200).extract().jsonPath();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random().nextBytes(b);
        return b;
    }
}
