package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import org.junit.jupiter.api.Test;

/** /v2 on the S3 blob store (s3proxy on 127.0.0.1): chunks and blobs as S3 objects, streamed GETs with Range. */
@QuarkusTest
@TestProfile(OciS3StoreTest.S3.class)
class OciS3StoreTest {

    public static class S3 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.blob.kind", "s3", "extfarm.blob.s3.bucket", "oci",
                    "extfarm.blob.s3.access-key-id", "access", "extfarm.blob.s3.secret-access-key", "secret",
                    "extfarm.blob.s3.create-bucket", "true", "extfarm.blob.s3.part-size", String.valueOf(5 << 20));
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
    @Inject
    OciMaintenance maintenance;

    @Test
    void chunkedPushAndPullThroughS3() {
        assertThat(store.describe()).startsWith("s3");
        String repo = Oci.repo("s3");
        byte[] blob = Oci.random(7 << 20, 70); // over one S3 part
        String loc = Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202).extract().header("Location");
        loc = Oci.admin().contentType("application/octet-stream").header("Content-Range", "0-" + (4 << 20) + "")
                .body(Arrays.copyOfRange(blob, 0, (4 << 20) + 1)).patch(loc).then().statusCode(202).extract().header("Location");
        Oci.admin().contentType("application/octet-stream").queryParam("digest", Oci.sha256(blob))
                .body(Arrays.copyOfRange(blob, (4 << 20) + 1, blob.length)).put(loc).then().statusCode(201);
        String d = Oci.sha256(blob);
        assertThat(Oci.admin().get("/v2/" + repo + "/blobs/" + d).then().statusCode(200)
                .header("Content-Length", String.valueOf(blob.length)).extract().asByteArray()).isEqualTo(blob);
        assertThat(Oci.admin().header("Range", "bytes=5000000-5000099").get("/v2/" + repo + "/blobs/" + d).then()
                .statusCode(206).extract().asByteArray()).isEqualTo(Arrays.copyOfRange(blob, 5_000_000, 5_000_100));
        // no manifest uses it: readers do not get it, only pushers
        Oci.anonymous().get("/v2/" + repo + "/blobs/" + d).then().statusCode(404);
    }

    @Test
    void bundleImagesComeFromTheBundlesOwnS3Object() throws Exception {
        var p = BundleImagesTest.pack(Bundles.uniqueName("s3img"), "1.0", "debian-12-amd64-glibc", 71);
        BundleImagesTest.upload(p);
        maintenance.backfill();
        String repo = p.image().repository();
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + p.image().platformTag().orElseThrow()).then().statusCode(200)
                .header("Docker-Content-Digest", p.image().manifestDigest());
        assertThat(Oci.anonymous().get("/v2/" + repo + "/blobs/sha256:" + p.sha256()).then().statusCode(200).extract()
                .asByteArray()).isEqualTo(p.bytes());
    }
}
