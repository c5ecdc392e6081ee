package dev.extfarm.registry.compute;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The spec lists the newest version for the PG major and platform, or the tenant's pin. */
@QuarkusTest
class ComputeSpecVersionTest {

    @Test
    void newestVersionUnlessPinned() {
        String name = Bundles.uniqueName("ver");
        String worker = Api.token("worker", null);
        for (String v : new String[] {"0.9.1", "0.10.0", "0.2.0"}) {
            Api.upload(worker, Bundles.bundle(name, v, 17), 201);
        }
        Api.upload(worker, Bundles.bundle(name, "9.0", 16), 201);
        String tenant = Api.tenant("ver");
        String compute = Api.token("compute", tenant);
        assertThat(version(compute, name, 17)).isEqualTo("0.10.0");
        assertThat(version(compute, name, 16)).isEqualTo("9.0");
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("version", "0.9.1"))
                .put("/api/v1/admin/tenants/" + tenant + "/pins/" + name).then().statusCode(200);
        assertThat(version(compute, name, 17)).isEqualTo("0.9.1");
        assertThat(version(compute, name, 16)).isNull();
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("version", "7.7"))
                .put("/api/v1/admin/tenants/" + tenant + "/pins/" + name).then().statusCode(404);
        as(ADMIN).delete("/api/v1/admin/tenants/" + tenant + "/pins/" + name).then().statusCode(200);
        assertThat(version(compute, name, 17)).isEqualTo("0.10.0");
    }

    static String version(String compute, String name, int pg) {
        List<Map<String, Object>> entries = as(compute).queryParam("pg", pg).queryParam("platform", Bundles.PLATFORM)
                .get("/api/v1/compute/spec").then().statusCode(200).extract().path("extensions");
        return entries.stream().filter(e -> name.equals(e.get("extension_name"))).map(e -> (String) e.get("version"))
                .findFirst().orElse(null);
    }
}
