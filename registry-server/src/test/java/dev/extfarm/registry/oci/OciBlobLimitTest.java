package dev.extfarm.registry.oci;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** extfarm.oci.max-blob-size: a blob (whole or in chunks) one byte over it is 413 SIZE_INVALID; exactly the limit is stored. */
@QuarkusTest
@TestProfile(OciBlobLimitTest.Small.class)
class OciBlobLimitTest {

    public static class Small implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.oci.max-blob-size", "1000");
        }
    }

    @Test
    void aMonolithicBlobOverTheLimitIsRefusedAndOneAtTheLimitIsStored() {
        String repo = Oci.repo("limit");
        byte[] over = Oci.random(1001, 1);
        Oci.admin().contentType("application/octet-stream").body(over).queryParam("digest", Oci.sha256(over))
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(413).body("errors[0].code", equalTo("SIZE_INVALID"));
        Oci.admin().get("/v2/" + repo + "/blobs/" + Oci.sha256(over)).then().statusCode(404);
        byte[] at = Oci.random(1000, 2);
        Oci.admin().contentType("application/octet-stream").body(at).queryParam("digest", Oci.sha256(at))
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
    }

    @Test
    void chunksThatTogetherGoOverTheLimitAreRefused() {
        String repo = Oci.repo("limit-chunks");
        byte[] blob = Oci.random(1100, 3);
        String loc = Oci.admin().post("/v2/" + repo + "/blobs/uploads/").then().statusCode(202)
                .header("Location", startsWith("/v2/" + repo + "/blobs/uploads/")).extract().header("Location");
        loc = Oci.admin().contentType("application/octet-stream").header("Content-Range", "0-599")
                .body(java.util.Arrays.copyOfRange(blob, 0, 600)).patch(loc).then().statusCode(202).extract().header("Location");
        Oci.admin().contentType("application/octet-stream").header("Content-Range", "600-1099")
                .body(java.util.Arrays.copyOfRange(blob, 600, 1100)).patch(loc).then().statusCode(413)
                .body("errors[0].code", equalTo("SIZE_INVALID"));
    }
}
