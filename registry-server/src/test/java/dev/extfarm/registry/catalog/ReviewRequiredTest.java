package dev.extfarm.registry.catalog;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With extfarm.review.policy=required a new version waits for an admin before compute nodes get it. */
@QuarkusTest
@TestProfile(ReviewRequiredTest.Required.class)
class ReviewRequiredTest {

    public static class Required implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.review.policy", "required");
        }
    }

    @Test
    void aNewVersionIsPendingUntilApproved() {
        String name = Bundles.uniqueName("rev");
        var b = Bundles.bundle(name, "1.0", 17);
        as(Api.token("worker", null)).body(b.bytes()).put(b.path()).then().statusCode(201)
                .body("review_state", equalTo("pending-review"));
        String compute = Api.token("compute", Api.tenant("rev"));
        as(compute).queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM).get("/api/v1/compute/spec")
                .then().statusCode(200).body("extensions.extension_name", not(hasItem(name)));
        given().get("/api/v1/extensions/" + name).then().statusCode(404);
        as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(200)
                .body("versions[0].bundles[0].review_state", equalTo("pending-review"));
        as(ADMIN).get("/api/v1/admin/reviews").then().statusCode(200).body("address", hasItem(b.path().substring(1)));
        as(compute).post("/api/v1/admin/extensions/" + name + "/versions/1.0/approve").then().statusCode(403);
        as(ADMIN).post("/api/v1/admin/extensions/" + name + "/versions/9.9/approve").then().statusCode(404);
        as(ADMIN).post("/api/v1/admin/extensions/" + name + "/versions/1.0/approve").then().statusCode(200)
                .body("changed", equalTo(1));
        as(compute).queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM).get("/api/v1/compute/spec")
                .then().body("extensions.extension_name", hasItem(name));
        given().get("/api/v1/extensions/" + name).then().statusCode(200)
                .body("versions[0].bundles[0].review_state", equalTo("approved"));
        as(Api.token("worker", null)).body(b.bytes()).put(b.path()).then().statusCode(200)
                .body("review_state", equalTo("approved"));
    }
}
