package dev.extfarm.registry.bundle;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;

/** {@link RefusedUploads} on the filesystem blob store (a registry of its own: the store holds only this test's blobs). */
@QuarkusTest
@TestProfile(RefusedUploadsFilesystemTest.OwnStore.class)
class RefusedUploadsFilesystemTest extends RefusedUploads {

    /** Its own store, without the OCI backfill, which would add the seed bundle's image between two snapshots. */
    public static class OwnStore implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.oci.backfill.enabled", "false");
        }
    }
}
