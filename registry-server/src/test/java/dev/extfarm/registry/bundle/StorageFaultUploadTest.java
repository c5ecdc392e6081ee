package dev.extfarm.registry.bundle;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Issue 25, item 4: an upload that fails because the registry's own blob store fails is the
 * registry's fault, a 503 {@code storage-unavailable} with {@code Retry-After} (the worker retries
 * it as a farm fault), not the uploader's 400 {@code upload-failed}; nothing is stored, and the
 * same upload succeeds once the store works again. The store really fails: its staging directory
 * is replaced by a file (root ignores permissions, so a read-only directory would not do).
 */
@QuarkusTest
@TestProfile(StorageFaultUploadTest.OwnStore.class)
class StorageFaultUploadTest {

    public static class OwnStore implements QuarkusTestProfile {
    }

    @Inject
    BlobStore store;
    @ConfigProperty(name = "extfarm.data-dir")
    Path dataDir;

    @Test
    void aFailingBlobStoreIsA503WithRetryAfterAndNothingIsStored() throws Exception {
        Path uploads = dataDir.resolve("blobs/_uploads"); // the filesystem store's staging directory (FilesystemBlobStore)
        String worker = Api.token("worker", null);
        var b = Bundles.bundle(Bundles.uniqueName("stored"), "1.0", 17);
        Path aside = uploads.resolveSibling("_uploads.aside");
        Files.move(uploads, aside);
        Files.writeString(uploads, "not a directory");
        try {
            as(worker).body(b.bytes()).put(b.path()).then().statusCode(503).header("Retry-After", "10")
                    .contentType("application/problem+json")
                    .body("type", equalTo("/problems/storage-unavailable"))
                    .body("detail", containsString("nothing was stored"));
        } finally {
            Files.delete(uploads);
            Files.move(aside, uploads);
        }
        given().get(b.path()).then().statusCode(404);
        as(ADMIN).get("/api/v1/extensions/" + b.name()).then().statusCode(404);
        assertThat(store.list("extensions/" + b.name())).isEmpty();

        as(worker).body(b.bytes()).put(b.path()).then().statusCode(201);
    }
}
