package dev.extfarm.registry.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import org.junit.jupiter.api.Test;

/**
 * The collector and the consistency check on the S3 store (s3proxy on 127.0.0.1): ages come
 * from S3's Last-Modified, so "old" means a grace period shorter than the time waited.
 */
@QuarkusTest
@TestProfile(BlobGcS3Test.S3.class)
class BlobGcS3Test {

    public static class S3 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.blob.kind", "s3", "extfarm.blob.s3.bucket", "gc-test", "extfarm.blob.s3.access-key-id", "access",
                    "extfarm.blob.s3.secret-access-key", "secret", "extfarm.blob.s3.create-bucket", "true");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3Proxy.class));
        }
    }

    public static class S3Proxy implements QuarkusTestResourceLifecycleManager {
        private S3ProxyJunitCore proxy;

        @Override
        public Map<String, String> start() {
            proxy = new S3ProxyJunitCore.Builder().withCredentials("access", "secret").withBlobStoreProvider("transient").build();
            try {
                proxy.beforeEach();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("extfarm.blob.s3.endpoint", proxy.getUri().toString());
        }

        @Override
        public void stop() {
            proxy.afterEach();
        }
    }

    @Inject
    BlobStore store;

    @Test
    void orphansGoOnceOlderThanTheGraceReferencedBundlesStay() throws Exception {
        assertThat(store.describe()).startsWith("s3 ");
        var b = Bundles.bundle(Bundles.uniqueName("gcs3"), "1.0", 17);
        Api.upload(Api.ADMIN, b, 201);
        byte[] bytes = new byte[3000];
        new Random().nextBytes(bytes);
        BlobKey orphan = BlobKey.of("extensions/" + Bundles.uniqueName("orphan") + "/sha-256+" + Digests.sha256(bytes) + "/bundle.tar");
        store.put(orphan, new ByteArrayInputStream(bytes), Digests.sha256(bytes));

        assertThat(gc("PT1H").getList("deleted", String.class)).doesNotContain(orphan.path());
        assertThat(consistency().getList("orphan_blobs", String.class)).contains(orphan.path());
        Thread.sleep(2500); // Last-Modified has whole seconds
        var deleted = gc("PT1S").getList("deleted", String.class);
        assertThat(deleted).contains(orphan.path()).doesNotContain(b.path().substring(1), b.controlPath().substring(1));
        assertThat(store.stat(orphan)).isEmpty();
        io.restassured.RestAssured.given().get(b.path()).then().statusCode(200);

        BlobKey control = BlobKey.of(b.controlPath().substring(1));
        byte[] saved = store.open(control, 0).readAllBytes();
        store.delete(control);
        try {
            JsonPath report = consistency();
            assertThat(report.getBoolean("ok")).isFalse();
            assertThat(report.getList("missing_blobs", String.class)).contains(control.path());
        } finally {
            store.put(control, new ByteArrayInputStream(saved), Digests.sha256(saved));
        }
        assertThat(consistency().getList("missing_blobs", String.class)).doesNotContain(control.path());
    }

    private static JsonPath gc(String grace) {
        return Api.as(Api.ADMIN).queryParam("grace", grace).post("/api/v1/admin/gc").then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath consistency() {
        return Api.as(Api.ADMIN).get("/api/v1/admin/consistency").then().statusCode(200).extract().jsonPath();
    }
}
