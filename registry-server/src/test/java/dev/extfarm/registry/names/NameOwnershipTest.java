package dev.extfarm.registry.names;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, item 2: extension and library names are owned. A bundle named {@code shadow} carrying
 * {@code pubext.control}, or {@code plpgsql.control} and {@code lib/plpgsql.so}, was accepted, and
 * every tenant's fetcher then refused its whole spec.
 */
@QuarkusTest
class NameOwnershipTest {

    static final String SPEC = "/api/v1/compute/spec?pg=17&platform=" + Bundles.PLATFORM;
    String worker;

    @BeforeEach
    void worker() {
        worker = Api.token("worker", null);
    }

    ValidatableResponse put(Bundles.Bundle b) {
        return as(worker).body(b.bytes()).put(b.path()).then();
    }

    void refused(Bundles.Bundle b, String type) {
        put(b).statusCode(422).contentType("application/problem+json").body("type", equalTo("/problems/" + type))
                .body("detail", containsString("nothing was stored"));
        given().get(b.path()).then().statusCode(404);
        as(ADMIN).get("/api/v1/extensions/" + b.name()).then().statusCode(404);
    }

    @Test
    void aBundleCarryingAnotherExtensionsControlFileIsRefusedNamingTheOwner() {
        String pub = Bundles.uniqueName("pubext");
        put(Bundles.custom(pub).bundle()).statusCode(201);
        var shadow = Bundles.custom(Bundles.uniqueName("shadow")).control(pub).bundle();
        refused(shadow, "extension-name-owned");
        put(shadow).body("kind", equalTo("control")).body("name", equalTo(pub)).body("owner", equalTo(pub))
                .body("entry", equalTo("share/extension/" + pub + ".control"))
                .body("detail", containsString("belongs to the extension '" + pub + "'"))
                .body("detail", containsString("PUT /api/v1/admin/extension-names/control/" + pub));
        // the owner's next versions carry it freely
        put(Bundles.custom(pub).version("2.0").bundle()).statusCode(201);
        put(Bundles.custom(pub).pg(15).bundle()).statusCode(201);
    }

    @Test
    void aMultiExtensionBundleClaimsAllOfItsOwn() {
        String gis = Bundles.uniqueName("gis");
        put(Bundles.custom(gis).control(gis + "_raster").control(gis + "_topology").library(gis + "-3").bundle()).statusCode(201);
        List<Map<String, Object>> owned = as(ADMIN).get("/api/v1/admin/extension-names?owner=" + gis).then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertThat(owned).extracting(m -> m.get("kind") + " " + m.get("name")).containsExactlyInAnyOrder(
                "control " + gis, "control " + gis + "_raster", "control " + gis + "_topology", "library " + gis, "library " + gis + "-3");
        assertThat(owned).allSatisfy(m -> assertThat(m.get("owner")).isEqualTo(gis));
        refused(Bundles.custom(Bundles.uniqueName("raster")).control(gis + "_topology").bundle(), "extension-name-owned");
    }

    @Test
    void aLibraryOfAnotherOwnerIsRefusedHoweverItIsCarried() {
        String vec = Bundles.uniqueName("vec");
        put(Bundles.custom(vec).bundle()).statusCode(201);
        // lib/<module>.so not listed in the manifest's libraries
        refused(Bundles.custom(Bundles.uniqueName("evil")).unlistedLibrary(vec).bundle(), "extension-name-owned");
        put(Bundles.custom(Bundles.uniqueName("evil")).unlistedLibrary(vec).bundle()).body("kind", equalTo("library"))
                .body("name", equalTo(vec)).body("entry", equalTo("lib/" + vec + ".so"));
        // listed in libraries (the library -> bundle index of fetchers) without the file
        var listed = Bundles.custom(Bundles.uniqueName("evil")).bundle();
        refused(Bundles.custom(listed.name()).library(vec).withoutFile("lib/" + vec + ".so").bundle(), "extension-name-owned");
        // JIT bitcode of the module
        refused(Bundles.custom(Bundles.uniqueName("evil")).file("lib/bitcode/" + vec + "/x.bc", "bc").bundle(), "extension-name-owned");
        refused(Bundles.custom(Bundles.uniqueName("evil")).file("lib/bitcode/" + vec + ".index.bc", "bc").bundle(), "extension-name-owned");
        // listed as a bundled dependency: checked all the same
        refused(Bundles.custom(Bundles.uniqueName("evil")).bundledLibrary(vec + ".so").bundle(), "extension-name-owned");
    }

    @Test
    void bundledDependenciesAreSharedNotOwned() {
        String dep = Bundles.uniqueName("libdep");
        put(Bundles.custom(Bundles.uniqueName("one")).bundledLibrary(dep + ".so.1").bundledLibrary(dep + "x.so").bundle()).statusCode(201);
        put(Bundles.custom(Bundles.uniqueName("two")).bundledLibrary(dep + ".so.1").bundledLibrary(dep + "x.so").bundle()).statusCode(201);
        as(ADMIN).get("/api/v1/admin/extension-names?kind=library").then().statusCode(200)
                .body("name", not(org.hamcrest.Matchers.hasItem(dep + "x")));
    }

    @Test
    void postgresqlsOwnNamesAreRefused() {
        refused(Bundles.custom(Bundles.uniqueName("shadow")).control("plpgsql").unlistedLibrary("plpgsql").bundle(), "extension-name-reserved");
        put(Bundles.custom(Bundles.uniqueName("shadow")).control("plpgsql").bundle()).body("name", equalTo("plpgsql"))
                .body("kind", equalTo("control")).body("detail", containsString("PostgreSQL's own (PostgreSQL 15, 17, 18)"));
        refused(Bundles.custom(Bundles.uniqueName("shadow")).unlistedLibrary("plpgsql").bundle(), "extension-name-reserved");
        refused(Bundles.custom(Bundles.uniqueName("shadow")).control("pg_stat_statements").bundle(), "extension-name-reserved");
        refused(Bundles.custom(Bundles.uniqueName("shadow")).library("pgoutput").bundle(), "extension-name-reserved");
        refused(Bundles.custom(Bundles.uniqueName("shadow")).unlistedLibrary("dict_snowball").bundle(), "extension-name-reserved");
        refused(Bundles.custom(Bundles.uniqueName("shadow")).file("lib/bitcode/postgres/x.bc", "bc").bundle(), "extension-name-reserved");
        // an update path for PostgreSQL's own extension, without its control file
        refused(Bundles.custom(Bundles.uniqueName("shadow")).file("share/extension/plpgsql--1.0--9.9.sql", "SELECT 1;").bundle(),
                "extension-name-reserved");
        // a secondary control file (adminpack--2.1.control) of PostgreSQL's extension
        refused(Bundles.custom(Bundles.uniqueName("shadow")).control("adminpack--2.1").bundle(), "extension-name-reserved");
    }

    @Test
    void aScriptOfAnExtensionTheBundleDoesNotCarryIsRefused() {
        String other = Bundles.uniqueName("future");
        var b = Bundles.custom(Bundles.uniqueName("sneaky")).file("share/extension/" + other + "--1.0--1.1.sql", "SELECT 1;").bundle();
        refused(b, "bundle-rejected");
        put(b).body("rule", equalTo("script-without-control")).body("entry", equalTo("share/extension/" + other + "--1.0--1.1.sql"));
        // inert files in share/extension and subdirectories are not scripts
        put(Bundles.custom(Bundles.uniqueName("tidy")).file("share/extension/README", "x").file("share/extension/sub/" + other + "--1.0.sql", "x")
                .bundle()).statusCode(201);
    }

    @Test
    void ofConcurrentUploadsClaimingOneNameExactlyOneWins() throws Exception {
        String contested = Bundles.uniqueName("contested");
        List<Bundles.Bundle> rivals = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            rivals.add(Bundles.custom(Bundles.uniqueName("rival" + i)).control(contested).bundle());
        }
        ExecutorService pool = Executors.newFixedThreadPool(rivals.size());
        List<Callable<Integer>> tasks = rivals.stream().<Callable<Integer>>map(b -> () -> put(b).extract().statusCode()).toList();
        List<Integer> statuses = new ArrayList<>();
        try {
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                statuses.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(statuses).containsOnly(201, 422);
        assertThat(statuses.stream().filter(s -> s == 201)).hasSize(1);
        String winner = rivals.get(statuses.indexOf(201)).name();
        List<Map<String, Object>> owned = as(ADMIN).get("/api/v1/admin/extension-names?owner=" + winner).then().extract().jsonPath().getList("$");
        assertThat(owned).extracting(m -> m.get("name")).contains(contested);
        for (int i = 0; i < rivals.size(); i++) {
            if (statuses.get(i) == 422) {
                given().get(rivals.get(i).path()).then().statusCode(404);
                as(ADMIN).get("/api/v1/extensions/" + rivals.get(i).name()).then().statusCode(404);
                assertThat(as(ADMIN).get("/api/v1/admin/extension-names?owner=" + rivals.get(i).name()).then().extract().jsonPath()
                        .getList("$")).isEmpty();
            }
        }
    }

    @Test
    void aPrivateOwnerIsNotNamedInTheRefusal() {
        String secret = Bundles.uniqueName("secret");
        String lib = Bundles.uniqueName("hidelib");
        Api.makePrivate(secret);
        put(Bundles.custom(secret).library(lib).bundle()).statusCode(201);
        put(Bundles.custom(Bundles.uniqueName("probe")).unlistedLibrary(lib).bundle()).statusCode(422)
                .body("type", equalTo("/problems/extension-name-owned"))
                .body("detail", containsString("another (private) extension")).body("detail", not(containsString(secret)))
                .body("owner", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void anAdminTransfersAndReleasesANameAndComputeSpecsFollow() {
        String tenant = Api.tenant("names");
        String compute = Api.token("compute", tenant);
        String pub = Bundles.uniqueName("pubext");
        String heir = Bundles.uniqueName("heir");
        put(Bundles.custom(pub).bundle()).statusCode(201);
        put(Bundles.custom(heir).bundle()).statusCode(201);
        var heirCarrying = Bundles.custom(heir).version("2.0").control(pub).bundle();
        refused2(heirCarrying);

        as(ADMIN).contentType(ContentType.JSON).body(Map.of("owner", heir)).put("/api/v1/admin/extension-names/control/" + pub)
                .then().statusCode(200).body("owner", equalTo(heir)).body("kind", equalTo("control")).body("name", equalTo(pub))
                .body("claimed_by", org.hamcrest.Matchers.nullValue());
        put(heirCarrying).statusCode(201);
        // pub's own bundle now carries a name that is heir's: it leaves the compute specs, and the admin sees why
        as(ADMIN).get("/api/v1/admin/extension-names/conflicts").then().statusCode(200)
                .body("findAll { it.extension == '" + pub + "' }.name", org.hamcrest.Matchers.hasItem(pub))
                .body("findAll { it.extension == '" + pub + "' }.owner", org.hamcrest.Matchers.hasItem(heir));
        List<String> names = as(compute).get(SPEC).then().statusCode(200).extract().jsonPath().getList("extensions.extension_name");
        assertThat(names).contains(heir).doesNotContain(pub);

        as(ADMIN).delete("/api/v1/admin/extension-names/control/" + pub).then().statusCode(204);
        as(ADMIN).delete("/api/v1/admin/extension-names/control/" + pub).then().statusCode(404)
                .body("type", equalTo("/problems/extension-name-not-found"));
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("owner", "no_such_extension_at_all"))
                .put("/api/v1/admin/extension-names/control/" + pub).then().statusCode(404);
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("owner", heir)).put("/api/v1/admin/extension-names/control/plpgsql")
                .then().statusCode(422).body("type", equalTo("/problems/extension-name-reserved"));
        as(ADMIN).get("/api/v1/admin/extension-names/frob/x").then().statusCode(405);
        as(ADMIN).delete("/api/v1/admin/extension-names/frob/x").then().statusCode(400).body("type", equalTo("/problems/invalid-name-kind"));
        as(worker).get("/api/v1/admin/extension-names").then().statusCode(403);
    }

    private void refused2(Bundles.Bundle b) {
        put(b).statusCode(422).body("type", equalTo("/problems/extension-name-owned"));
    }
}
