package dev.extfarm.registry.recipe;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyIterable;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeLinter;
import dev.extfarm.recipe.RecipeProblem;
import dev.extfarm.recipe.ValidationOptions;
import dev.extfarm.registry.builds.Farm;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pushing recipes: validation as lint does it, immutable revisions, the builds they queue, ownership. */
@QuarkusTest
class RecipePushTest {

    @Test
    void aPushStoresTheRevisionAndQueuesOneBuildPerServedMajor() {
        String maintainer = Farm.token("maintainer");
        String name = Farm.unique("push");
        String yaml = Farm.recipeYaml(name, "1.2.0", List.of(15, 16, 17), "a");
        String revision = RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), Map.of()).revision().sha256();

        JsonPath r = Farm.push(maintainer, Farm.transport(yaml)).then().statusCode(201).extract().jsonPath();
        assertThat(r.getString("revision")).isEqualTo(revision);
        assertThat(r.getString("extension")).isEqualTo(name);
        assertThat(r.getString("version")).isEqualTo("1.2.0");
        assertThat(r.getBoolean("unchanged")).isFalse();
        assertThat(r.getList("scheduled.pg_major")).containsExactly(15, 17);
        assertThat(r.getList("scheduled.platform")).containsExactly("debian-12-amd64-glibc", "debian-13-amd64-glibc");
        assertThat(r.getList("warnings", String.class)).anyMatch(w -> w.contains("does not serve PostgreSQL 16"));

        long build = r.getLong("scheduled[0].build_id");
        JsonPath b = Farm.build(build);
        assertThat(b.getString("status")).isEqualTo("queued");
        assertThat(b.getString("recipe_revision")).isEqualTo(revision);
        assertThat(b.getString("inputs.source_sha256")).isEqualTo(Farm.sourceSha(name, "1.2.0"));

        as(maintainer).get("/api/v1/recipes/" + name).then().statusCode(200)
                .body("revisions", hasSize(1)).body("revisions[0].revision", equalTo(revision))
                .body("revisions[0].pg_majors", equalTo(List.of(15, 17)));
        String stored = as(maintainer).get("/api/v1/recipes/" + name + "/revisions/" + revision).then().statusCode(200)
                .extract().jsonPath().getString("recipe_yaml");
        assertThat(stored).isEqualTo(yaml);
    }

    @Test
    void aRecipeWithVariantsQueuesEachMajorWithItsOwnVersionAndSource() {
        String maintainer = Farm.token("maintainer");
        String name = Farm.unique("variants");
        String yaml = "name: " + name + "\ndescription: one release line per major\nlicense: PostgreSQL\npg: [15, 17]\n"
                + "variants:\n"
                + "  - pg: [15]\n    version: 1.7.1\n    source:\n      url: https://example.org/a-1.7.1.tar.gz\n      sha256: " + "1".repeat(64) + "\n"
                + "  - pg: [17]\n    version: \"17.1\"\n    source:\n      url: https://example.org/a-17.1.tar.gz\n      sha256: " + "7".repeat(64) + "\n";

        JsonPath r = Farm.push(maintainer, Farm.transport(yaml)).then().statusCode(201).extract().jsonPath();
        assertThat(r.getList("scheduled.pg_major")).containsExactly(15, 17);
        assertThat(r.getString("message")).contains("17.1 (15: 1.7.1, 17: 17.1)");

        JsonPath on15 = Farm.build(r.getLong("scheduled[0].build_id"));
        JsonPath on17 = Farm.build(r.getLong("scheduled[1].build_id"));
        assertThat(on15.getString("version")).isEqualTo("1.7.1");
        assertThat(on15.getString("inputs.source_sha256")).isEqualTo("1".repeat(64));
        assertThat(on17.getString("version")).isEqualTo("17.1");
        assertThat(on17.getString("inputs.source_sha256")).isEqualTo("7".repeat(64));

        as(maintainer).post("/api/v1/recipes/" + name + "/rebuild").then().statusCode(200);
        JsonPath builds = as(ADMIN).queryParam("extension", name).queryParam("pg", 15).get("/api/v1/builds").then()
                .statusCode(200).extract().jsonPath();
        assertThat(builds.getList("items.version", String.class)).isNotEmpty().containsOnly("1.7.1");
    }

    @Test
    void anUnchangedPushSchedulesNothingAndSaysSo() {
        String maintainer = Farm.token("maintainer");
        String name = Farm.unique("same");
        String json = Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "a") + "build:\n  patches:\n    - fix.patch\n",
                Map.of("fix.patch", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"));
        Farm.push(maintainer, json).then().statusCode(201).body("scheduled", hasSize(1));
        Farm.push(maintainer, json).then().statusCode(200)
                .body("unchanged", equalTo(true)).body("scheduled", emptyIterable())
                .body("message", containsString("nothing scheduled"));
        as(ADMIN).queryParam("extension", name).get("/api/v1/builds").then().body("total", equalTo(1));
    }

    @Test
    void aRevertMakesTheOlderRevisionCurrentAgain() {
        String maintainer = Farm.token("maintainer");
        String name = Farm.unique("revert");
        String a = Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "a"));
        String b = Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "b"));
        String ra = Farm.push(maintainer, a).then().statusCode(201).extract().path("revision");
        Farm.push(maintainer, b).then().statusCode(201);
        Farm.push(maintainer, a).then().statusCode(201).body("revision", equalTo(ra)).body("scheduled", hasSize(1))
                .body("message", containsString("current again"));
        as(maintainer).get("/api/v1/recipes/" + name).then().body("revisions.revision[0]", equalTo(ra))
                .body("revisions", hasSize(3));
    }

    @Test
    void anInvalidRecipeIsRefusedWithTheLintersProblemsAndLineNumbers() {
        String maintainer = Farm.token("maintainer");
        String name = Farm.unique("bad");
        String yaml = "name: " + name + "\n"
                + "version: 1.0.0\n"
                + "description: broken\n"
                + "source:\n"
                + "  url: https://example.org/x.tar.gz\n"
                + "  sha256: abc\n"
                + "pg:\n"
                + "  - 12\n"
                + "biuld:\n"
                + "  system: pgxs\n";
        RecipeBundle bundle = RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), Map.of());
        List<String> lint = RecipeLinter.lint(bundle, "", ValidationOptions.defaults()).stream()
                .filter(RecipeProblem::isError).map(RecipeProblem::toString).toList();
        assertThat(lint).hasSizeGreaterThanOrEqualTo(4);

        JsonPath p = Farm.push(maintainer, Farm.transport(yaml)).then().statusCode(422)
                .contentType("application/problem+json").body("type", equalTo("/problems/invalid-recipe"))
                .extract().jsonPath();
        assertThat(p.getList("errors.text", String.class)).containsExactlyElementsOf(lint);
        assertThat(p.getList("errors.line", Integer.class)).contains(6, 8, 9);
        assertThat(p.getString("detail")).contains("recipe.yaml:6:").contains("license");
        as(ADMIN).queryParam("extension", name).get("/api/v1/builds").then().body("total", equalTo(0));

        Farm.push(maintainer, "{ not json").then().statusCode(422).body("type", equalTo("/problems/invalid-recipe"))
                .body("errors[0].text", containsString("not valid JSON"));
    }

    @Test
    void onlyOwnersAndAdminsPushAnExtension() {
        String owner = Farm.token("maintainer");
        String other = Farm.token("maintainer");
        String name = Farm.unique("owned");
        Farm.push(owner, Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "a"))).then().statusCode(201);
        Farm.push(other, Farm.transport(Farm.recipeYaml(name, "1.0.1", List.of(15), "b"))).then().statusCode(403)
                .contentType("application/problem+json").body("type", equalTo("/problems/not-owner"));
        Farm.push(ADMIN, Farm.transport(Farm.recipeYaml(name, "1.0.2", List.of(15), "c"))).then().statusCode(201);
        Farm.push(Farm.token("worker"), Farm.transport(Farm.recipeYaml(name, "1.0.3", List.of(15), "d"))).then().statusCode(403);
        Farm.push(null, Farm.transport(Farm.recipeYaml(name, "1.0.3", List.of(15), "d"))).then().statusCode(401);

        // an admin adds the other maintainer: now they may push
        as(ADMIN).put("/api/v1/admin/extensions/" + name + "/owners/" + Farm.tokenId(other)).then().statusCode(200);
        Farm.push(other, Farm.transport(Farm.recipeYaml(name, "1.0.1", List.of(15), "b"))).then().statusCode(201);
    }

    @Test
    void aTenantMaintainersNewExtensionIsPrivateToItsTenant() {
        String tenant = Farm.tenant();
        String tm = Farm.token("maintainer", tenant);
        String name = Farm.unique("priv");
        Farm.push(tm, Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "a"))).then().statusCode(201);

        as(ADMIN).get("/api/v1/admin/tenants/" + tenant).then().statusCode(200).body(containsString(name));
        as(null).get("/api/v1/recipes/" + name).then().statusCode(404);
        as(Farm.token("maintainer")).get("/api/v1/recipes/" + name).then().statusCode(404);
        as(tm).get("/api/v1/recipes/" + name).then().statusCode(200);
        as(Farm.token("compute", tenant)).get("/api/v1/recipes/" + name).then().statusCode(200);
    }

    /**
     * An extension nobody owns yet (reserved by an admin, or made by an upload) goes to the first
     * maintainer who may have it, and to nobody else: a public one to a farm-wide maintainer, never
     * to a tenant's maintainer (who would otherwise take over a public name for one tenant); a
     * private one to a maintainer of a tenant it is granted to, never to a farm-wide maintainer or
     * another tenant's.
     */
    @Test
    void anExtensionNobodyOwnsGoesOnlyToAMaintainerWhoMayHaveIt() {
        String tenant = Farm.tenant();
        String ofTenant = Farm.token("maintainer", tenant);
        String ofOtherTenant = Farm.token("maintainer", Farm.tenant());
        String farmWide = Farm.token("maintainer");

        String pub = Farm.unique("nobodys");
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("visibility", "public"))
                .put("/api/v1/admin/extensions/" + pub + "/visibility").then().statusCode(200);
        Farm.push(ofTenant, Farm.transport(Farm.recipeYaml(pub, "1.0.0", List.of(15), "a"))).then().statusCode(403)
                .body("type", equalTo("/problems/not-owner"));
        Farm.push(farmWide, Farm.transport(Farm.recipeYaml(pub, "1.0.0", List.of(15), "a"))).then().statusCode(201);
        Farm.push(Farm.token("maintainer"), Farm.transport(Farm.recipeYaml(pub, "1.0.1", List.of(15), "b"))).then().statusCode(403)
                .body("type", equalTo("/problems/not-owner"));

        String priv = Farm.unique("nobodys");
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("visibility", "private"))
                .put("/api/v1/admin/extensions/" + priv + "/visibility").then().statusCode(200);
        as(ADMIN).put("/api/v1/admin/tenants/" + tenant + "/grants/" + priv).then().statusCode(200);
        Farm.push(farmWide, Farm.transport(Farm.recipeYaml(priv, "1.0.0", List.of(15), "a"))).then().statusCode(403);
        Farm.push(ofOtherTenant, Farm.transport(Farm.recipeYaml(priv, "1.0.0", List.of(15), "a"))).then().statusCode(403);
        Farm.push(ofTenant, Farm.transport(Farm.recipeYaml(priv, "1.0.0", List.of(15), "a"))).then().statusCode(201);
        as(ofOtherTenant).get("/api/v1/recipes/" + priv).then().statusCode(404);
        as(farmWide).get("/api/v1/recipes/" + priv).then().statusCode(404);
    }

    @Test
    void aRebuildQueuesTheCurrentRevisionAgainOncePerMajor() {
        String owner = Farm.token("maintainer");
        String name = Farm.unique("rebuild");
        Farm.push(owner, Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15, 17), "a"))).then().statusCode(201);
        // both builds still queued: nothing to add
        as(owner).post("/api/v1/recipes/" + name + "/rebuild").then().statusCode(200).body("scheduled", emptyIterable());
        as(ADMIN).queryParam("extension", name).get("/api/v1/builds").then().body("total", equalTo(2));
        for (Object id : as(ADMIN).queryParam("extension", name).get("/api/v1/builds").jsonPath().getList("items.id")) {
            as(owner).post("/api/v1/builds/" + id + "/cancel").then().statusCode(200);
        }
        as(owner).queryParam("pg", 17).post("/api/v1/recipes/" + name + "/rebuild").then().statusCode(200)
                .body("scheduled.pg_major", equalTo(List.of(17)));
        long id = as(ADMIN).queryParam("extension", name).queryParam("status", "queued").get("/api/v1/builds")
                .jsonPath().getLong("items[0].id");
        assertThat(Farm.build(id).getString("reason")).isEqualTo("rebuild");
        as(owner).queryParam("pg", 18).post("/api/v1/recipes/" + name + "/rebuild").then().statusCode(400);
        as(Farm.token("maintainer")).post("/api/v1/recipes/" + name + "/rebuild").then().statusCode(403);
        as(owner).post("/api/v1/recipes/" + Farm.unique("none") + "/rebuild").then().statusCode(403);
        as(ADMIN).post("/api/v1/recipes/" + Farm.unique("none") + "/rebuild").then().statusCode(404);
    }
}
