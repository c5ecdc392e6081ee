package dev.extfarm.registry.blob;

import java.net.URI;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The same contract against a real S3 server: s3proxy in this JVM on 127.0.0.1. */
class S3BlobStoreTest extends BlobStoreContract {

    private static S3ProxyJunitCore proxy;
    private static S3BlobStore store;

    @BeforeAll
    static void start() throws Exception {
        proxy = new S3ProxyJunitCore.Builder().withCredentials("access", "secret")
                .withBlobStoreProvider("transient").build();
        proxy.beforeEach();
        store = S3Fixture.store(proxy.getUri(), "contract");
    }

    @AfterAll
    static void stop() {
        proxy.afterEach();
    }

    @Override
    BlobStore store() {
        return store;
    }

    /** Builds the store the way the server does, from configuration values. */
    static final class S3Fixture {
        static S3BlobStore store(URI endpoint, String bucket) {
            return BlobStoreProducer.s3(new BlobStoreConfig.S3() {
                public java.util.Optional<URI> endpoint() { return java.util.Optional.of(endpoint); }
                public String bucket() { return bucket; }
                public String region() { return "us-east-1"; }
                public java.util.Optional<String> accessKeyId() { return java.util.Optional.of("access"); }
                public java.util.Optional<String> secretAccessKey() { return java.util.Optional.of("secret"); }
                public boolean pathStyle() { return true; }
                public boolean createBucket() { return true; }
                public int partSize() { return S3BlobStore.MIN_PART_SIZE; }
                public boolean redirectSignedLinks() { return false; }
            });
        }
    }
}
