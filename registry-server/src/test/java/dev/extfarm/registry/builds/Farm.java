package dev.extfarm.registry.builds;

import static io.restassured.RestAssured.given;

import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The farm as tests drive it: tokens, tenants, recipes, pushes; everything through HTTP. */
public final class Farm {

    public static final String ADMIN = Api.ADMIN;
    public static final Map<Integer, String> PLATFORMS = Map.of(15, "debian-12-amd64-glibc", 17, "debian-13-amd64-glibc",
            18, "debian-sid-amd64-glibc");

    private Farm() {
    }

    public static RequestSpecification as(String token) {
        return token == null ? given() : given().header("Authorization", "Bearer " + token);
    }

    public static String token(String role) {
        return Api.token(role, null);
    }

    public static String token(String role, String tenant) {
        return Api.token(role, tenant);
    }

    public static long tokenId(String token) {
        return Api.tokenId(token);
    }

    public static String tenant() {
        return Api.tenant("t");
    }

    public static String unique(String prefix) {
        return Bundles.uniqueName(prefix);
    }

    /** A valid recipe for {@code name}; {@code salt} makes another revision of it. */
    public static String recipeYaml(String name, String version, List<Integer> pg, String salt) {
        return "# " + salt + "\n"
                + "name: " + name + "\n"
                + "version: " + version + "\n"
                + "description: a test extension\n"
                + "license: PostgreSQL\n"
                + "source:\n"
                + "  url: https://example.org/" + name + "-" + version + ".tar.gz\n"
                + "  sha256: " + sourceSha(name, version) + "\n"
                + (pg == null ? "" : "pg:\n" + pg.stream().map(m -> "  - " + m + "\n").collect(Collectors.joining()));
    }

    public static String sourceSha(String name, String version) {
        return dev.extfarm.bundle.Digests.sha256((name + "-" + version).getBytes(StandardCharsets.UTF_8));
    }

    public static String transport(String yaml) {
        return transport(yaml, Map.of());
    }

    public static String transport(String yaml, Map<String, String> patches) {
        Map<String, byte[]> p = new HashMap<>();
        patches.forEach((k, v) -> p.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return RecipeTransport.toJson(RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), p));
    }

    public static Response push(String token, String transportJson) {
        return as(token).contentType(ContentType.JSON).body(transportJson).post("/api/v1/recipes");
    }

    /** Pushes a fresh recipe and returns build id per PG major. */
    public static Map<Integer, Long> pushNew(String token, String name, List<Integer> pg) {
        Response r = push(token, transport(recipeYaml(name, "1.0.0", pg, "fresh")));
        r.then().statusCode(201);
        Map<Integer, Long> ids = new HashMap<>();
        List<Map<String, Object>> scheduled = r.jsonPath().getList("scheduled");
        for (Map<String, Object> s : scheduled) {
            ids.put(((Number) s.get("pg_major")).intValue(), ((Number) s.get("build_id")).longValue());
        }
        return ids;
    }

    public static io.restassured.path.json.JsonPath build(long id) {
        return as(ADMIN).get("/api/v1/builds/" + id).then().statusCode(200).extract().jsonPath();
    }
}
