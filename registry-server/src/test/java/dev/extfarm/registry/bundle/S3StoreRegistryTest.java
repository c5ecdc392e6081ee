package dev.extfarm.registry.bundle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import org.junit.jupiter.api.Test;

/** The whole upload/serve path with the S3 blob store, against s3proxy on 127.0.0.1. */
@QuarkusTest
@TestProfile(S3StoreRegistryTest.S3.class)
class S3StoreRegistryTest {

    public static class S3 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.blob.kind", "s3", "extfarm.blob.s3.bucket", "registry",
                    "extfarm.blob.s3.access-key-id", "access", "extfarm.blob.s3.secret-access-key", "secret",
                    "extfarm.blob.s3.create-bucket", "true", "extfarm.blob.s3.part-size", String.valueOf(5 << 20));
        }

        @Override
        public java.util.List<TestResourceEntry> testResources() {
            return java.util.List.of(new TestResourceEntry(S3Proxy.class));
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
    void bundlesGoThroughS3() throws Exception {
        assertThat(store.describe()).isEqualTo("s3 bucket registry");
        String worker = Api.token("worker", null);
        var b = Bundles.bundle(Bundles.uniqueName("s3"), "1.0", 17, 7 << 20); // a multipart upload
        Api.upload(worker, b, 201);
        Api.upload(worker, b, 200);
        byte[] got = given().get(b.path()).then().statusCode(200)
                .header("ETag", "\"sha-256+" + b.sha256() + "\"").extract().asByteArray();
        assertThat(got).isEqualTo(b.bytes());
        byte[] part = given().header("Range", "bytes=10-19").get(b.path()).then().statusCode(206).extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(b.bytes(), 10, 20));
        given().head(b.path()).then().statusCode(200).header("Content-Length", String.valueOf(b.bytes().length));
        given().get(b.controlPath()).then().statusCode(200);
        given().header("If-None-Match", "\"sha-256+" + b.sha256() + "\"").get(b.path()).then().statusCode(304);
        Api.as(worker).body(b.bytes()).put(b.wrongPath()).then().statusCode(400);
        given().get(b.wrongPath()).then().statusCode(404).body("type", equalTo("/problems/bundle-not-found"));
        assertThat(store.cleanTemporaries(Duration.ZERO)).isZero();
    }
}
