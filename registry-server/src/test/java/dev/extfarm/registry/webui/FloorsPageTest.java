package dev.extfarm.registry.webui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.Compatibility;
import dev.extfarm.registry.builds.QueueJanitor;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: a bundle's compatibility floors (recorded by the builder in its manifest.json) are in
 * the catalog entry of its (extension, major), in the build report, and on the extension and build
 * pages in a real headless Chromium; a bundle without floors shows that none were recorded.
 */
@QuarkusTest
@TestProfile(LoopbackWebhooks.class)
class FloorsPageTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    @Test
    void theCatalogTheBuildReportAndThePagesShowTheFloors() throws Exception {
        janitor.cancelEverythingLive();
        Seed seed = new Seed(Seed.unique("builder"));
        String name = Seed.unique("floors");
        Map<Integer, Long> builds = seed.push(name, "1.0", List.of(15, 17), "f");
        seed.succeed(seed.claim(builds.get(15)),
                new Compatibility("15.20", "GLIBC_2.34", List.of("heap_datum_check", "palloc", "errstart")));
        seed.succeed(seed.claim(builds.get(17))); // built before floors were recorded

        JsonPath catalog = given().get("/api/v1/extensions/" + name).then().statusCode(200).extract().jsonPath();
        Map<String, Object> on15 = catalog.getMap("versions[0].bundles.find { it.pg_major == 15 }.floors");
        assertThat(on15).containsEntry("built_against", "15.20").containsEntry("glibc", "GLIBC_2.34")
                .containsEntry("server_symbol_count", 3);
        assertThat(catalog.getMap("versions[0].bundles.find { it.pg_major == 17 }")).containsEntry("floors", null);
        JsonPath report = given().get("/api/v1/builds/" + builds.get(15)).then().statusCode(200).extract().jsonPath();
        assertThat(report.getMap("result.floors")).isEqualTo(on15);

        Browser browser = new Browser(url.toString(), 1280, 900);
        try {
            browser.open("#/extensions/" + name + "?v=1.0&pg=15&platform=" + Seed.PLATFORMS.get(15));
            assertThat(browser.textOf("#bundle-detail dd[data-floors=recorded]", "15.20"))
                    .contains("PostgreSQL 15.20 or later").contains("glibc 2.34 or later").contains("3 server symbols imported");
            browser.screenshot("extension-floors");
            browser.open("#/extensions/" + name + "?v=1.0&pg=17&platform=" + Seed.PLATFORMS.get(17));
            assertThat(browser.textOf("#bundle-detail dd[data-floors=none]", "not recorded")).contains("installs it unchecked");
            browser.open("#/builds/" + builds.get(15));
            assertThat(browser.textOf("dd[data-floors=recorded]", "15.20")).contains("built against PostgreSQL 15.20")
                    .contains("glibc 2.34 or later");
            assertThat(browser.consoleErrors()).isEmpty();
        } finally {
            browser.close();
        }
    }
}
