package dev.extfarm.registry.bundle;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** {@link RefusedUploads} on the filesystem blob store (a registry of its own: the store holds only this test's blobs). */
@QuarkusTest
@TestProfile(RefusedUploadsFilesystemTest.OwnStore.class)
class RefusedUploadsFilesystemTest extends RefusedUploads {

    public static class OwnStore implements QuarkusTestProfile {
    }
}
