package dev.extfarm.fetcher;

import dev.extfarm.bundle.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.trust.Trust;
import dev.extfarm.testsupport.PackagedRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real registry-server (started by {@link PackagedRegistry}: its packaged jar, embedded
 * PostgreSQL, a temp data directory) as a child process on 127.0.0.1, behind the {@link TestRegistry} interface: bundles are uploaded with
 * the admin token as private extensions granted to tenant {@code acme}, whose compute token the
 * fetcher uses. Available once {@code registry-server} is packaged (the reactor builds it before
 * this module).
 */
final class RealRegistry implements TestRegistry {

    /** For skip messages: where the reactor packages the registry. */
    static final Path JAR = PackagedRegistry.JAR_IN_REPOSITORY;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String admin;
    private final Path data;
    private final PackagedRegistry registry;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Set<String> reserved = new HashSet<>();
    private String computeToken;

    static boolean available() {
        return PackagedRegistry.isPackaged();
    }

    RealRegistry() throws Exception {
        this(Map.of());
    }

    /** With extra environment, e.g. {@code EXTFARM_LINKS_TTL=2s}. */
    RealRegistry(Map<String, String> env) throws Exception {
        data = Files.createTempDirectory("extfarm-fetcher-registry");
        registry = PackagedRegistry.builder().dataDir(data.resolve("data")).log(data.resolve("registry.log")).env(env).start();
        base = registry.base();
        admin = registry.adminToken();
        call("POST", "/api/v1/admin/tenants", "{\"name\": \"" + RegistryFixture.TENANT + "\"}", 201);
        JsonNode token = JSON.readTree(call("POST", "/api/v1/admin/tokens",
                "{\"role\": \"compute\", \"label\": \"fetcher-test\", \"tenant\": \"" + RegistryFixture.TENANT + "\"}", 201));
        computeToken = token.get("token").asText();
    }

    String call(String method, String path, String json, int expected) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + admin)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            r.header("Content-Type", "application/json");
        }
        HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + " -> " + resp.statusCode() + " " + resp.body());
        }
        return resp.body();
    }

    @Override
    public void publish(Path bundleTar) throws Exception {
        VerifiedBundle vb;
        try (InputStream in = Files.newInputStream(bundleTar)) {
            vb = BundleReader.withDefaults().verify(in);
        }
        String name = vb.manifest().name();
        if (reserved.add(name)) {
            call("PUT", "/api/v1/admin/extensions/" + name + "/visibility", "{\"visibility\": \"private\"}", 200);
        }
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve("/" + vb.address().path()))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/x-tar")
                .PUT(HttpRequest.BodyPublishers.ofFile(bundleTar)).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() / 100 != 2) {
            throw new IllegalStateException("upload of " + bundleTar + " -> " + put.statusCode() + " " + put.body());
        }
        grant(name);
    }

    void grant(String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/admin/tenants/" + RegistryFixture.TENANT
                + "/grants/" + name)).header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("grant " + name + " -> " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public void revoke(String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/admin/tenants/" + RegistryFixture.TENANT
                + "/grants/" + name)).header("Authorization", "Bearer " + admin).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("revoke " + name + " -> " + r.statusCode() + " " + r.body());
        }
    }

    /** The keys the registry publishes, read once (as an operator would save them for --trusted-keys). */
    @Override
    public Trust trust() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/keys")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /api/v1/keys -> " + r.statusCode() + " " + r.body());
        }
        Path f = data.resolve("trusted-keys.json");
        Files.writeString(f, r.body());
        return Trust.files(List.of(f));
    }

    /** The compute spec of tenant acme, as its fetcher reads it. */
    JsonNode spec() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(specUrl()).header("Authorization", "Bearer " + computeToken).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("spec -> " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    URI base() {
        return base;
    }

    Path dataDir() {
        return data.resolve("data");
    }

    String adminToken() {
        return admin;
    }

    @Override
    public URI specUrl() {
        return base.resolve("/api/v1/compute/spec?pg=15&platform=" + Bundles.PLATFORM);
    }

    @Override
    public String computeToken() {
        return computeToken;
    }

    @Override
    public void close() throws Exception {
        registry.close();
        FileTrees.deleteRecursively(data);
    }
}
