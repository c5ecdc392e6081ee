package dev.extfarm.registry.bundle;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@link RefusedUploads} on the S3 blob store (s3proxy on 127.0.0.1, a bucket of its own). */
@QuarkusTest
@TestProfile(RefusedUploadsS3Test.OwnBucket.class)
class RefusedUploadsS3Test extends RefusedUploads {

    public static class OwnBucket extends S3StoreRegistryTest.S3 {
    }
}
