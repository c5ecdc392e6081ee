package dev.extfarm.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.builds.TestWorker;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Issue 21, item 10: hostile text in paths, query parameters, JSON bodies and build output. NUL
 * (which PostgreSQL cannot store), bytes that are not UTF-8, overlong encodings, half surrogate
 * pairs and control characters are each answered 400 problem+json where the API cannot take them,
 * and never 500; a build log with any bytes is archived; a failure message with the characters XML
 * cannot carry leaves the Atom feeds well-formed (read by the JDK's XML parser).
 */
@QuarkusTest
class HostileTextTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Percent-encoded: NUL, NUL inside, a bad escape, overlong NUL and '/', stray bytes, an encoded surrogate, C0 and DEL. */
    static final List<String> ENCODED = List.of("%00", "a%00b", "%zz", "%4", "%C0%80", "%C0%AF", "%FF", "%80", "%E2%82",
            "%ED%A0%80", "%1B%5B31m", "%07", "%7F", "a%0D%0Ab");

    /**
     * Escapes {@code java.net.URI} cannot parse: Quarkus answers them 400 itself, before any route,
     * with an empty body (its URI check runs ahead of the router; see docs/registry.md).
     */
    static final List<String> UNPARSABLE = List.of("%zz", "%4");

    @TestHTTPResource("/")
    URL main;
    @Inject
    QueueJanitor janitor;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String maintainer;
    String compute;

    @BeforeEach
    void setUp() {
        janitor.cancelEverythingLive();
        maintainer = Api.token("maintainer", null);
        compute = Api.token("compute", Api.tenant("hostile"));
    }

    @Test
    void hostileTextInPathsAndQueriesIs400ProblemJsonOnEveryEndpoint() throws Exception {
        String ext = Bundles.uniqueName("known");
        Api.upload(Api.token("worker", null), Bundles.bundle(ext, "1.0", 17), 201);
        String hex = "a".repeat(64);
        List<String> templates = List.of("/api/v1/extensions/X", "/api/v1/extensions?q=X", "/api/v1/extensions?license=X&pg=17",
                "/api/v1/extensions/" + ext + "/bundles/X/sbom", "/api/v1/recipes/X", "/api/v1/recipes/" + ext + "/revisions/X",
                "/api/v1/builds?extension=X", "/api/v1/builds?status=X", "/api/v1/builds?cause=X", "/api/v1/builds?since=X",
                "/api/v1/builds/X", "/api/v1/builds/1/log?offset=X", "/api/v1/farm/latest-builds?extensions=X",
                "/api/v1/farm/failures?extension=X", "/feeds/extensions/X.atom", "/feeds/builds.atom?status=X",
                "/api/v1/compute/spec?pg=17&platform=X", "/api/v1/admin/tenants/X", "/api/v1/extensions/X/webhooks",
                "/extensions/X/sha-256+" + hex + "/bundle.tar", "/extensions/" + ext + "/sha-256+" + hex + "/X.control",
                "/v2/extensions/X/manifests/latest", "/v2/_catalog?last=X", "/v2/extensions/" + ext + "/tags/list?last=X",
                "/api/v1/extensions?X=1", "/X");
        int asked = 0;
        for (String template : templates) {
            for (String value : ENCODED) {
                String path = template.replace("X", value);
                for (String method : List.of("GET", "DELETE")) {
                    Raw r = raw(method, path, Api.ADMIN);
                    assertThat(r.status).as("%s %s: %s", method, path, r.body).isEqualTo(400);
                    if (!UNPARSABLE.contains(value) || !r.body.isEmpty()) {
                        assertProblem(r, method + " " + path);
                    }
                    asked++;
                }
            }
        }
        assertThat(asked).isEqualTo(templates.size() * ENCODED.size() * 2);
        // and as the compute node asks for its spec
        for (String value : ENCODED) {
            Raw r = raw("GET", "/api/v1/compute/spec?pg=17&platform=" + value, compute);
            assertThat(r.status).as(value).isEqualTo(400);
            if (!UNPARSABLE.contains(value)) {
                assertProblem(r, value);
            }
        }
    }

    @Test
    void rawControlAndNonAsciiBytesInTheRequestLineAre400() throws Exception {
        for (String target : List.of("/api/v1/extensions/a\u0001b", "/api/v1/extensions?q=caf\u00e9", "/api/v1/extensions/\u00ff",
                "/api/v1/extensions?q=\u007f", "http://127.0.0.1/api/v1/extensions", "*")) {
            String head = rawExchange(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(head).as(target).startsWith("HTTP/1.1 400 ");
            assertThat(head).as(target).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void hostileTextInJsonBodiesIs400AndNeverA500() throws Exception {
        String ext = Bundles.uniqueName("jsonfuzz");
        Api.upload(Api.token("worker", null), Bundles.bundle(ext, "1.0", 17), 201);
        String tenant = Api.tenant("jsonfuzz");
        // (method, path, token, JSON template with "X" where the hostile text goes)
        record Target(String method, String path, String token, String json) {
        }
        List<Target> targets = List.of(
                new Target("POST", "/api/v1/admin/tokens", Api.ADMIN, "{\"role\":\"maintainer\",\"label\":\"X\"}"),
                new Target("POST", "/api/v1/admin/tenants", Api.ADMIN, "{\"name\":\"X\"}"),
                new Target("PUT", "/api/v1/admin/tenants/" + tenant + "/pins/" + ext, Api.ADMIN, "{\"version\":\"X\"}"),
                new Target("PUT", "/api/v1/admin/extensions/" + ext + "/visibility", Api.ADMIN, "{\"visibility\":\"X\"}"),
                new Target("POST", "/api/v1/extensions/" + ext + "/webhooks", Api.ADMIN,
                        "{\"url\":\"https://example.org/X\",\"events\":[\"failed\"]}"),
                new Target("POST", "/api/v1/extensions/" + ext + "/webhooks", Api.ADMIN,
                        "{\"url\":\"https://example.org/\",\"events\":[\"X\"]}"),
                new Target("POST", "/api/v1/jobs/claim", Api.ADMIN, "{\"worker_id\":\"X\",\"max_jobs\":1,\"targets\":"
                        + "[{\"pg_major\":17,\"platform\":\"debian-13-amd64-glibc\",\"builder_image\":\"sha256:" + "b".repeat(64) + "\"}]}"),
                new Target("POST", "/api/v1/jobs/claim", Api.ADMIN, "{\"worker_id\":\"w\",\"max_jobs\":1,\"targets\":"
                        + "[{\"pg_major\":17,\"platform\":\"X\",\"builder_image\":\"X\"}]}"),
                new Target("POST", "/api/v1/jobs/1/heartbeat", Api.ADMIN, "{\"lease_token\":1,\"step\":\"X\"}"),
                new Target("POST", "/api/v1/jobs/1/complete", Api.ADMIN, "{\"lease_token\":1,\"status\":\"failed\","
                        + "\"failure\":{\"step\":\"build\",\"cause\":\"X\",\"message\":\"X\"}}"));
        // each as JSON escapes and as raw bytes; refused ones must be 400 invalid-text / invalid-json
        List<byte[]> refused = List.of(bytes("\\u0000"), bytes("a\\u0000b"), bytes("\\ud800"), bytes("x\\udc00"),
                bytes("\\ud800\\u0041"), new byte[] {'a', 0}, new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xFF},
                new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
        List<byte[]> tolerated = List.of(bytes("\\u001b[31mred\\u001b[0m"), bytes("\\u0007\\u000b\\u000c"), bytes("\\uffff\\ufffe"),
                bytes("\\u007f\\u0085"), "é€😀".getBytes(StandardCharsets.UTF_8), bytes("\\ud83d\\ude00"));
        for (Target t : targets) {
            for (byte[] x : refused) {
                HttpResponse<String> r = send(t.method, t.path, t.token, splice(t.json, x));
                assertThat(r.statusCode()).as("%s %s with %s: %s", t.method, t.path, show(x), r.body()).isEqualTo(400);
                assertProblem(r, t.path);
                assertThat(JSON.readTree(r.body()).path("type").asText()).as(r.body()).isIn("/problems/invalid-text", "/problems/invalid-json");
            }
            for (byte[] x : tolerated) {
                HttpResponse<String> r = send(t.method, t.path, t.token, splice(t.json, x));
                assertThat(r.statusCode()).as("%s %s with %s: %s", t.method, t.path, show(x), r.body()).isLessThan(500);
                if (r.statusCode() >= 400) {
                    assertProblem(r, t.path);
                }
            }
        }
        // a little random fuzz on top: any bytes in any of these fields, never a 500 nor a stack trace
        Random random = new Random(21);
        for (int i = 0; i < 300; i++) {
            Target t = targets.get(random.nextInt(targets.size()));
            byte[] x = new byte[1 + random.nextInt(6)];
            for (int j = 0; j < x.length; j++) {
                int k = random.nextInt(4);
                x[j] = (byte) (k == 0 ? random.nextInt(0x20) : k == 1 ? 0x80 + random.nextInt(0x80) : 'a' + random.nextInt(26));
                if (x[j] == '"' || x[j] == '\\') {
                    x[j] = 'q';
                }
            }
            HttpResponse<String> r = send(t.method, t.path, t.token, splice(t.json, x));
            assertThat(r.statusCode()).as("%s %s with %s: %s", t.method, t.path, show(x), r.body()).isLessThan(500);
            assertThat(r.body()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void aRecipeWhoseTextsHoldNulIsRefusedNotA500() throws Exception {
        String name = Farm.unique("nulrecipe");
        for (String yaml : List.of(Farm.recipeYaml(name, "1.0.0", List.of(17), "a").replace("description: ", "description: bad\u0000 "),
                Farm.recipeYaml(name, "1.0.0\u0000", List.of(17), "b"), Farm.recipeYaml(name, "1.0.0", List.of(17), "c\u0000"))) {
            HttpResponse<String> r = send("POST", "/api/v1/recipes", maintainer, Farm.transport(yaml).getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
            assertProblem(r, "recipe");
        }
    }

    @Test
    void aLogWithAnyBytesIsArchivedByteForByte() throws Exception {
        String name = Farm.unique("nullog");
        long id = Farm.pushNew(maintainer, name, List.of(17)).get(17);
        String workerToken = Api.token("worker", null);
        TestWorker worker = new TestWorker(main.toURI(), workerToken, "hostile-log");
        TestWorker.Job job = worker.claim(1, List.of(17)).get(0);
        assertThat(job.id()).isEqualTo(id);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        log.write("before\n".getBytes(StandardCharsets.UTF_8));
        log.write(new byte[] {'n', 'u', 'l', 0, 'x', '\n', (byte) 0xFF, (byte) 0xC0, (byte) 0x80, '\n', 0x1b, '[', '3', '1', 'm', 'r', 'e', 'd', '\n'});
        for (int b = 0; b < 256; b++) {
            log.write(b);
        }
        log.write("\nlast line\n".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = log.toByteArray();
        HttpResponse<String> appended = send("POST", "/api/v1/jobs/" + id + "/log?lease_token=" + job.leaseToken(),
                workerToken, bytes, "text/plain");
        assertThat(appended.statusCode()).as(appended.body()).isEqualTo(200);
        TestWorker.expect(worker.fail(job, "build", "compile-error", "upstream", 2, "error: \u001b[1mboom\u001b[0m"), 200);

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Farm.build(id).getBoolean("log.archived") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(Farm.build(id).getBoolean("log.archived")).as("the log was archived").isTrue();
        byte[] archived = http.send(HttpRequest.newBuilder(URI.create(main.toString()).resolve("/api/v1/builds/" + id + "/log"))
                .header("Authorization", "Bearer " + Api.ADMIN).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(archived).containsSequence(bytes);
        List<String> tail = Farm.build(id).getList("log_tail");
        assertThat(tail).contains("nul\uFFFDx").contains("last line");
    }

    @Test
    void controlCharactersInFailureMessagesLeaveTheFeedsWellFormed() throws Exception {
        String name = Farm.unique("escfeed");
        long id = Farm.pushNew(maintainer, name, List.of(17)).get(17);
        TestWorker worker = new TestWorker(main.toURI(), Api.token("worker", null), "hostile-feed");
        TestWorker.Job job = worker.claim(1, List.of(17)).get(0);
        assertThat(job.id()).isEqualTo(id);
        String message = "cc: \u001b[31merror\u001b[0m \u0007\u000b\u000c\u0001 <tag> & \uFFFE\uFFFF \u007f\u0085 😀 end";
        ObjectNode result = worker.result("failed");
        result.putObject("failure").put("step", "build").put("cause", "compile-error").put("responsibility", "upstream")
                .put("exit_code", 2).put("message", message);
        TestWorker.expect(worker.complete(job, result), 200);
        // the report keeps the message as sent (JSON can carry it)
        assertThat(Farm.build(id).getString("failure.message")).isEqualTo(message);

        for (String feed : List.of("/feeds/builds.atom", "/feeds/extensions/" + name + ".atom", "/feeds/builds.atom?status=failed")) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(main.toString()).resolve(feed)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            Document d = parse(r.body());
            NodeList summaries = d.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "summary");
            String mine = null;
            for (int i = 0; i < summaries.getLength(); i++) {
                if (summaries.item(i).getTextContent().contains("cc: ")) {
                    mine = summaries.item(i).getTextContent();
                }
            }
            assertThat(mine).as("%s carries the failure", feed).isNotNull()
                    .contains("cc: \uFFFD[31merror\uFFFD[0m \uFFFD\uFFFD\uFFFD\uFFFD <tag> & \uFFFD\uFFFD \u007f\u0085 😀 end");
        }
    }

    // ---- helpers

    static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    /** A response read off a raw socket. */
    record Raw(int status, String contentType, String body) {
    }

    /** A request with the target exactly as given (the JDK's URI refuses malformed escapes), on its own connection. */
    Raw raw(String method, String target, String token) throws IOException {
        String text = rawExchange((method + " " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), true);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("%s %s answered: %s", method, target, text).isPositive();
        String head = text.substring(0, end);
        String type = head.lines().filter(l -> l.regionMatches(true, 0, "Content-Type:", 0, 13)).map(l -> l.substring(13).strip())
                .findFirst().orElse(null);
        return new Raw(Integer.parseInt(head.substring(9, 12)), type,
                new String(text.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }

    static void assertProblem(Raw r, String what) throws IOException {
        assertThat(r.contentType).as(what).startsWith("application/problem+json");
        JsonNode p = JSON.readTree(r.body);
        assertThat(p.path("status").asInt()).as(what).isEqualTo(r.status);
        assertThat(p.path("detail").asText()).as(what).isNotBlank().doesNotContain("\tat ");
    }

    static void assertProblem(HttpResponse<String> r, String what) throws IOException {
        assertThat(r.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.path("status").asInt()).as(what).isEqualTo(r.statusCode());
        assertThat(p.path("detail").asText()).as(what).isNotBlank().doesNotContain("\tat ");
    }

    HttpResponse<String> send(String method, String path, String token, byte[] body) throws Exception {
        return send(method, path, token, body, "application/json");
    }

    /** A request with the path exactly as given (percent-escapes and all), via a raw request line if needed. */
    HttpResponse<String> send(String method, String path, String token, byte[] body, String contentType) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(main.toString().replaceAll("/$", "") + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            req.header("Content-Type", contentType);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    String rawExchange(byte[] request) throws IOException {
        return rawExchange(request, false);
    }

    /** Sends the bytes on a new connection; returns the head, or everything until the server closes. */
    String rawExchange(byte[] request, boolean whole) throws IOException {
        try (Socket s = new Socket(main.getHost(), main.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                    if (!whole && got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // what arrived is the answer
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The JSON template with its "X" replaced by these raw bytes. */
    static byte[] splice(String json, byte[] x) {
        int at = json.indexOf('X');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.substring(0, at).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(x);
        out.writeBytes(json.substring(at + 1).replace("X", new String(x, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    static String show(byte[] x) {
        StringBuilder s = new StringBuilder();
        for (byte b : x) {
            s.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
        }
        return s.toString();
    }
}
