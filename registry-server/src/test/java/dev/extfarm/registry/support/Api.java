package dev.extfarm.registry.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;

/** The admin side of the API, as tests use it (every call goes through HTTP). */
public final class Api {

    public static final String ADMIN = "efa_test-admin-token-0123456789";

    private Api() {
    }

    public static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    public static String token(String role, String tenant) {
        var body = new java.util.HashMap<String, Object>(Map.of("role", role, "label", "test " + role));
        if (tenant != null) {
            body.put("tenant", tenant);
        }
        return as(ADMIN).contentType(ContentType.JSON).body(body).post("/api/v1/admin/tokens")
                .then().statusCode(201).extract().path("token");
    }

    public static long tokenId(String token) {
        return as(token).get("/api/v1/me").then().statusCode(200).extract().<Number>path("token_id").longValue();
    }

    public static String tenant(String prefix) {
        String name = Bundles.uniqueName(prefix).replace('_', '-');
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("name", name)).post("/api/v1/admin/tenants")
                .then().statusCode(201);
        return name;
    }

    public static void upload(String worker, Bundles.Bundle b, int status) {
        as(worker).body(b.bytes()).put(b.path()).then().statusCode(status);
    }

    public static void makePrivate(String extension) {
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("visibility", "private"))
                .put("/api/v1/admin/extensions/" + extension + "/visibility").then().statusCode(200);
    }

    public static void grant(String tenant, String extension) {
        as(ADMIN).put("/api/v1/admin/tenants/" + tenant + "/grants/" + extension).then().statusCode(200);
    }
}
