package dev.extfarm.worker.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A tiny JSON client for the registry API in tests. */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newHttpClient();

    Api(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    Api as(String otherToken) {
        return new Api(base, otherToken);
    }

    HttpResponse<byte[]> raw(HttpRequest.Builder b) throws Exception {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    JsonNode get(String path) throws Exception {
        return check(raw(HttpRequest.newBuilder(base.resolve(path)).GET()), path);
    }

    JsonNode post(String path, Object body) throws Exception {
        byte[] bytes = body instanceof String s ? s.getBytes() : JSON.writeValueAsBytes(body);
        return check(raw(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))), path);
    }

    JsonNode put(String path, Object body) throws Exception {
        byte[] bytes = body instanceof String s ? s.getBytes() : JSON.writeValueAsBytes(body);
        return check(raw(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))), path);
    }

    byte[] bytes(String path) throws Exception {
        HttpResponse<byte[]> r = raw(HttpRequest.newBuilder(base.resolve(path)).GET());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " -> " + r.statusCode() + ": " + new String(r.body()));
        }
        return r.body();
    }

    private static JsonNode check(HttpResponse<byte[]> r, String path) throws Exception {
        if (r.statusCode() >= 300) {
            throw new AssertionError(path + " -> HTTP " + r.statusCode() + ": " + new String(r.body()));
        }
        return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
    }
}
