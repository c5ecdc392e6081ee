package dev.extfarm.registry.auth;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.extfarm.registry.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AdminApiTest {

    @Test
    void tokensAreShownOnceStoredHashedAndRevocable() {
        var created = as(ADMIN).contentType(ContentType.JSON).body(Map.of("role", "worker", "label", "build-01"))
                .post("/api/v1/admin/tokens").then().statusCode(201)
                .body("token", startsWith("efw_")).body("role", equalTo("worker")).extract().jsonPath();
        String token = created.getString("token");
        assertThat(token).hasSize(4 + 43);
        as(token).get("/api/v1/me").then().statusCode(200).body("role", equalTo("worker")).body("label", equalTo("build-01"));
        String listed = as(ADMIN).get("/api/v1/admin/tokens").then().statusCode(200).extract().asString();
        assertThat(listed).doesNotContain(token).contains("build-01");
        as(ADMIN).delete("/api/v1/admin/tokens/" + created.getLong("id")).then().statusCode(204);
        as(token).get("/api/v1/me").then().statusCode(401).contentType("application/problem+json");
        as(ADMIN).delete("/api/v1/admin/tokens/999999").then().statusCode(404);
    }

    @Test
    void tokenRequestsAreValidated() {
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("role", "god", "label", "x"))
                .post("/api/v1/admin/tokens").then().statusCode(400).contentType("application/problem+json");
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("role", "compute", "label", "x"))
                .post("/api/v1/admin/tokens").then().statusCode(400);
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("role", "compute", "label", "x", "tenant", "nope-none"))
                .post("/api/v1/admin/tokens").then().statusCode(404);
        as(ADMIN).contentType(ContentType.JSON).body("{not json").post("/api/v1/admin/tokens").then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void adminEndpointsNeedTheAdminRole() {
        given().get("/api/v1/admin/tokens").then().statusCode(401).contentType("application/problem+json");
        as(Api.token("worker", null)).get("/api/v1/admin/tokens").then().statusCode(403).contentType("application/problem+json");
        as(Api.token("maintainer", null)).post("/api/v1/admin/tenants").then().statusCode(403);
        given().get("/api/v1/me").then().statusCode(401);
    }

    @Test
    void tenantsAreUnique() {
        String t = Api.tenant("dup");
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("name", t)).post("/api/v1/admin/tenants").then().statusCode(409)
                .contentType("application/problem+json");
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("name", "Not Valid")).post("/api/v1/admin/tenants").then().statusCode(400);
        as(ADMIN).get("/api/v1/admin/tenants/" + t).then().statusCode(200).body("name", equalTo(t));
        as(ADMIN).get("/api/v1/admin/tenants/none-such").then().statusCode(404);
        as(ADMIN).put("/api/v1/admin/tenants/" + t + "/grants/never_made").then().statusCode(404);
    }

    @Test
    void unknownEndpointsAndMethodsAreProblems() {
        given().get("/api/v1/nothing-here").then().statusCode(404).contentType("application/problem+json");
        given().delete("/api/v1/extensions").then().statusCode(405).contentType("application/problem+json");
    }

    @Test
    void operatorEndpointsWork() {
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }
}
