package dev.extfarm.registry.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class CatalogTest {

    @Test
    void searchFiltersAndPages() {
        String worker = Api.token("worker", null);
        String stem = Bundles.uniqueName("cat");
        String a = stem + "_a";
        String b = stem + "_b";
        Api.upload(worker, Bundles.bundle(a, "1.0", 17), 201);
        Api.upload(worker, Bundles.bundle(a, "1.1", 16), 201);
        Api.upload(worker, Bundles.bundle(b, "2.0", 16), 201);
        given().queryParam("q", stem).get("/api/v1/extensions").then().statusCode(200)
                .body("total", equalTo(2)).body("items.name", contains(a, b))
                .body("items[0].latest_version", equalTo("1.1")).body("items[0].pg_majors", contains(17, 16))
                .body("items[0].licenses", contains("PostgreSQL")).body("items[0].description", equalTo("the " + a + " test extension"));
        given().queryParam("q", stem).queryParam("pg", 17).get("/api/v1/extensions").then()
                .body("total", equalTo(1)).body("items[0].latest_version", equalTo("1.0"));
        given().queryParam("q", "test extension").queryParam("size", 1).queryParam("page", 1).get("/api/v1/extensions").then()
                .body("items.size()", equalTo(1)).body("size", equalTo(1));
        given().queryParam("q", stem).queryParam("license", "mit").get("/api/v1/extensions").then().body("total", equalTo(0));
        given().queryParam("q", stem).queryParam("license", "postgresql").get("/api/v1/extensions").then().body("total", equalTo(2));
        given().queryParam("q", stem).queryParam("size", 1).queryParam("page", 2).get("/api/v1/extensions").then()
                .body("items.name", contains(b));
        given().queryParam("page", 0).get("/api/v1/extensions").then().statusCode(400).contentType("application/problem+json");
        given().queryParam("size", 1000).get("/api/v1/extensions").then().statusCode(400);
        given().queryParam("pg", "seventeen").get("/api/v1/extensions").then().statusCode(404);
    }

    @Test
    void theSummaryGivesEachMajorsNewestVersion() {
        String worker = Api.token("worker", null);
        String name = Bundles.uniqueName("permajor");
        Api.upload(worker, Bundles.bundle(name, "1.7.1", 15), 201);
        Api.upload(worker, Bundles.bundle(name, "17.0", 17), 201);
        Api.upload(worker, Bundles.bundle(name, "17.1", 17), 201);
        given().queryParam("q", name).get("/api/v1/extensions").then().statusCode(200)
                .body("items[0].latest_version", equalTo("17.1"))
                .body("items[0].latest_version_by_major.'15'", equalTo("1.7.1"))
                .body("items[0].latest_version_by_major.'17'", equalTo("17.1"));
    }

    @Test
    void detailListsVersionsPgMajorsAndPlatforms() {
        String worker = Api.token("worker", null);
        String name = Bundles.uniqueName("det");
        var v1 = Bundles.bundle(name, "1.0", 17);
        Api.upload(worker, v1, 201);
        Api.upload(worker, Bundles.bundle(name, "1.0", 16), 201);
        Api.upload(worker, Bundles.bundle(name, "1.2", 17), 201);
        given().get("/api/v1/extensions/" + name).then().statusCode(200)
                .body("name", equalTo(name)).body("visibility", equalTo("public"))
                .body("versions.version", contains("1.2", "1.0"))
                .body("versions[1].bundles.pg_major", contains(17, 16))
                .body("versions[1].bundles[0].address", equalTo(v1.path().substring(1)))
                .body("versions[1].bundles[0].sha256", equalTo(v1.sha256()))
                .body("versions[1].bundles[0].size", equalTo(v1.bytes().length))
                .body("versions[1].bundles[0].platform", equalTo(Bundles.PLATFORM))
                .body("versions[1].bundles[0].license", equalTo("PostgreSQL"))
                .body("versions[1].bundles[0].libraries", contains(name))
                .body("versions[1].bundles[0].shared_preload", equalTo(false))
                .body("versions[1].bundles[0].review_state", equalTo("approved"))
                .body("versions[1].bundles[0].last_build", nullValue());
        given().get("/api/v1/extensions/no_such_ext").then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("/problems/extension-not-found"));
        given().get("/api/v1/extensions").then().body("items.name", not(hasItem("no_such_ext")));
    }
}
