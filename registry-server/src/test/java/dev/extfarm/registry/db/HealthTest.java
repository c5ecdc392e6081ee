package dev.extfarm.registry.db;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The server is up on a real (embedded) PostgreSQL, migrated by Flyway. */
@QuarkusTest
class HealthTest {

    @Test
    void healthIsUpWithTheDatabaseCheck() {
        given().when().get("/q/health")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Database connections health check"));
    }
}
