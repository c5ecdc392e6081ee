package dev.extfarm.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.protocol.Problem;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** JSON over HTTP to the registry; errors become one readable line from the problem document. */
public final class ApiClient {

    /** The registry refused a request; {@code detail} comes from its problem+json body. */
    public static final class ApiException extends IOException {
        private final int status;
        private final JsonNode body;

        ApiException(int status, String message, JsonNode body) {
            super(message);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }

    public static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ApiClient(RegistryOptions options) {
        this(options.registry(), options.token());
    }

    public ApiClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    /** As {@link #get}, but empty on 404 (a resource that does not exist yet, such as a verdict before any rebuild). */
    public Optional<JsonNode> getOptional(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = exchange(request(path).GET().build());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        check(r);
        return Optional.of(r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body()));
    }

    public String getText(String path, String range) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).GET();
        if (range != null) {
            b.header("Range", range);
        }
        HttpResponse<String> r = exchange(b.build());
        if (r.statusCode() == 416) {
            return "";
        }
        check(r);
        return r.body();
    }

    /**
     * The exact bytes of a GET with this {@code Accept} (an OCI manifest, whose digest is over its
     * bytes), or empty on 404.
     */
    public Optional<byte[]> getBytes(String path, String accept) throws IOException, InterruptedException {
        HttpRequest req = request(path).setHeader("Accept", accept).GET().build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the registry at " + base + " (is it running? `./extfarm up` starts one)");
        }
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        check(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return Optional.of(r.body());
    }

    public JsonNode post(String path, Object body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build());
    }

    public JsonNode put(String path, Object body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body == null ? Map.of() : body))).build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(2))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private JsonNode send(HttpRequest req) throws IOException, InterruptedException {
        HttpResponse<String> r = exchange(req);
        check(r);
        return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    private HttpResponse<String> exchange(HttpRequest req) throws IOException, InterruptedException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the registry at " + base + " (is it running? `./extfarm up` starts one)");
        }
    }

    private static void check(HttpResponse<String> r) throws ApiException {
        check(r.statusCode(), r.body());
    }

    /** problem+json ({@code title: detail}), or under /v2 the OCI error envelope ({@code CODE: message}). */
    private static void check(int status, String text) throws ApiException {
        if (status < 400) {
            return;
        }
        JsonNode body = null;
        String message = "HTTP " + status;
        try {
            body = JSON.readTree(text);
            JsonNode oci = body.path("errors").path(0);
            Problem problem = Problem.of(body).orElse(null);
            String title = oci.isObject() ? oci.path("code").asText("")
                    : problem != null && problem.title() != null ? problem.title() : "";
            String detail = oci.isObject() ? oci.path("message").asText("")
                    : problem != null && problem.detail() != null ? problem.detail() : "";
            message = (title.isEmpty() ? message : title) + (detail.isEmpty() ? "" : ": " + detail);
        } catch (IOException notJson) {
            message += ": " + text;
        }
        throw new ApiException(status, message, body);
    }
}
