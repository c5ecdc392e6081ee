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

    /**
     * Each entry lists the update scripts its bundle carries; a pinned (older) entry also lists the
     * newer approved versions, newest first, each with its links and scripts, so that a fetcher can
     * install the one an {@code ALTER EXTENSION … UPDATE TO} needs. The newest entry lists none.
     */
    @Test
    void entriesListTheirUpdateScriptsAndAPinnedOneItsNewerVersions() {
        String name = Bundles.uniqueName("upd");
        String worker = Api.token("worker", null);
        Api.upload(worker, Bundles.withUpdates(name, "1.0", 17), 201);
        Api.upload(worker, Bundles.withUpdates(name, "1.1", 17, "1.0--1.1"), 201);
        Api.upload(worker, Bundles.withUpdates(name, "1.2", 17, "1.0--1.1", "1.1--1.2"), 201);
        String tenant = Api.tenant("upd");
        String compute = Api.token("compute", tenant);

        Map<String, Object> newest = entry(compute, name, 17);
        assertThat(newest.get("version")).isEqualTo("1.2");
        assertThat(newest.get("updates")).isEqualTo(Map.of(name, List.of("1.0--1.1", "1.1--1.2")));
        assertThat(newest).doesNotContainKey("versions");

        as(ADMIN).contentType(ContentType.JSON).body(Map.of("version", "1.0"))
                .put("/api/v1/admin/tenants/" + tenant + "/pins/" + name).then().statusCode(200);
        Map<String, Object> pinned = entry(compute, name, 17);
        assertThat(pinned.get("version")).isEqualTo("1.0");
        assertThat(pinned.get("updates")).isEqualTo(Map.of(name, List.of()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> versions = (List<Map<String, Object>>) pinned.get("versions");
        assertThat(versions).extracting(v -> v.get("version")).containsExactly("1.2", "1.1");
        Map<String, Object> v11 = versions.get(1);
        assertThat(v11.get("updates")).isEqualTo(Map.of(name, List.of("1.0--1.1")));
        assertThat(v11).containsKeys("sha256", "size", "link", "control_link", "signature_link", "extensions", "libraries");
        assertThat(v11).doesNotContainKeys("control", "versions");
        assertThat((String) v11.get("link")).endsWith("/bundle.tar").contains("/extensions/" + name + "/sha-256+" + v11.get("sha256"));
        as(ADMIN).delete("/api/v1/admin/tenants/" + tenant + "/pins/" + name).then().statusCode(200);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> entry(String compute, String name, int pg) {
        List<Map<String, Object>> entries = as(compute).queryParam("pg", pg).queryParam("platform", Bundles.PLATFORM)
                .get("/api/v1/compute/spec").then().statusCode(200).extract().path("extensions");
        return entries.stream().filter(e -> name.equals(e.get("extension_name"))).findFirst().orElseThrow();
    }

    static String version(String compute, String name, int pg) {
        List<Map<String, Object>> entries = as(compute).queryParam("pg", pg).queryParam("platform", Bundles.PLATFORM)
                .get("/api/v1/compute/spec").then().statusCode(200).extract().path("extensions");
        return entries.stream().filter(e -> name.equals(e.get("extension_name"))).map(e -> (String) e.get("version"))
                .findFirst().orElse(null);
    }
}
