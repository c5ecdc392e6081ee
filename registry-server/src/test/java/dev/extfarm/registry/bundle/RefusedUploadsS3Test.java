package dev.extfarm.registry.bundle;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.Map;

/** {@link RefusedUploads} on the S3 blob store (s3proxy on 127.0.0.1, a bucket of its own). */
@QuarkusTest
@TestProfile(RefusedUploadsS3Test.OwnBucket.class)
class RefusedUploadsS3Test extends RefusedUploads {

    /** Its own bucket, without the OCI backfill, which would add the seed bundle's image between two snapshots. */
    public static class OwnBucket extends S3StoreRegistryTest.S3 {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> out = new HashMap<>(super.getConfigOverrides());
            out.put("extfarm.oci.backfill.enabled", "false");
            return out;
        }
    }
}
