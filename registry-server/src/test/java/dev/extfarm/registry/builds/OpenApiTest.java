package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.as;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The queue's endpoints are in the OpenAPI document. */
@QuarkusTest
class OpenApiTest {

    @Test
    void theOpenApiDocumentListsTheRecipeBuildAndJobEndpoints() {
        as(null).get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/recipes/{name}/rebuild"))
                .body(containsString("/api/v1/builds/{id}/log"))
                .body(containsString("/api/v1/jobs/claim"))
                .body(containsString("/api/v1/jobs/{id}/complete"));
    }
}
