package dev.extfarm.registry.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request lines and targets the bundle edge cannot serve, sent as raw bytes on a socket (no HTTP
 * client would send most of them): each is a 400 problem+json whose {@code status} member is the
 * status line's, with a type naming what is wrong; never a 500. A well-framed request with a bad
 * target leaves its keep-alive connection usable; one Netty cannot frame ends it.
 */
@QuarkusTest
class EdgeMalformedRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    BundleEdge edge;

    Bundles.Bundle b;

    @BeforeEach
    void upload() {
        b = Bundles.bundle(Bundles.uniqueName("edgebad"), "1.0", 17, 1000);
        Api.upload(Api.token("worker", null), b, 201);
    }

    @Test
    void badPercentEscapesAre400() throws Exception {
        for (String target : new String[] {"/%zz", "/extensions/%4", "/extensions/x%", "/extensions/" + b.name()
                + "/sha-256+" + b.sha256() + "/bundle.tar%G1", "/extensions/x?a=%z"}) {
            assertProblem(get(target), 400, "bad-percent-encoding", target);
        }
    }

    @Test
    void escapesThatAreNotUtf8Are400() throws Exception {
        String rest = "/sha-256+" + b.sha256() + "/bundle.tar";
        // overlong '/', a lone continuation byte, 0xFF, an encoded surrogate (CESU-8), a cut sequence
        for (String name : new String[] {"%C0%AF", "%80", "%FF", "%ED%A0%80", "%E2%82"}) {
            String target = "/extensions/" + name + rest;
            assertProblem(get(target), 400, "invalid-utf8", target);
        }
    }

    @Test
    void controlCharactersAreRefusedRawAndDecoded() throws Exception {
        String rest = "/sha-256+" + b.sha256() + "/bundle.tar";
        for (String name : new String[] {"a%00b", "a%1Bb", "a%7F", "a%0D%0Ab"}) {
            String target = "/extensions/" + name + rest;
            assertProblem(get(target), 400, "control-character", target);
        }
        // raw bytes that may not appear in a request target: a control, a non-ASCII byte, a tab inside
        for (byte[] raw : new byte[][] {
                bytes("GET /extensions/a\u0001b" + rest + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                latin1("GET /extensions/caf\u00e9" + rest + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                bytes("GET /extensions/a\tb" + rest + " HTTP/1.1\r\nHost: x\r\n\r\n")}) {
            Response r = exchange(raw);
            assertThat(r.status).as(new String(raw, StandardCharsets.ISO_8859_1)).isEqualTo(400);
            assertThat(r.problem.path("status").asInt()).isEqualTo(400);
        }
    }

    @Test
    void absoluteAuthorityAndAsteriskFormsAre400() throws Exception {
        String absolute = "http://127.0.0.1:" + edge.port() + b.path();
        assertProblem(get(absolute), 400, "absolute-form-target", absolute);
        assertProblem(exchange(bytes("GET http://x HTTP/1.1\r\nHost: x\r\n\r\n")), 400, "absolute-form-target", "http://x");
        assertProblem(exchange(bytes("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")), 400, "asterisk-form-target", "OPTIONS *");
        assertProblem(exchange(bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")), 400,
                "invalid-request-target", "CONNECT");
        assertProblem(exchange(bytes("GET extensions/x HTTP/1.1\r\nHost: x\r\n\r\n")), 400, "invalid-request-target",
                "a relative path");
    }

    @Test
    void malformedRequestLinesAre400AndEndTheConnection() throws Exception {
        for (String line : new String[] {"GARBAGE", "GET / HTTP/1.1 extra", "GET / XTTP/1.1", "GET / HTTP/1.1\u0000"}) {
            Response r = exchange(bytes(line + "\r\nHost: x\r\n\r\n"));
            assertProblem(r, 400, "bad-request", line);
            assertThat(r.closed).as("'%s' ends the connection", line).isTrue();
        }
        for (String version : new String[] {"HTTP/9.9", "HTTP/2.0", "HTTP/0.9"}) {
            Response r = exchange(bytes("GET " + b.path() + " " + version + "\r\nHost: x\r\n\r\n"));
            assertProblem(r, 400, "unsupported-http-version", version);
            assertThat(r.closed).as("%s ends the connection", version).isTrue();
        }
    }

    @Test
    void overlongRequestLinesAndHeadersAre400() throws Exception {
        // the edge takes request lines up to 8 KiB and headers up to 16 KiB
        Response longLine = get("/extensions/" + "a".repeat(8192 + 100));
        assertProblem(longLine, 400, "request-line-too-long", "a 8 KiB request line");
        assertThat(longLine.closed).isTrue();
        Response bigHeaders = exchange(bytes("GET " + b.path() + " HTTP/1.1\r\nHost: x\r\nX-Filler: "
                + "b".repeat(16384 + 100) + "\r\n\r\n"));
        assertProblem(bigHeaders, 400, "headers-too-large", "16 KiB of headers");
        assertThat(bigHeaders.closed).isTrue();
    }

    @Test
    void aKeepAliveConnectionServesTheNextRequestAfterABadTarget() throws Exception {
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (String target : new String[] {"/%zz", "http://x" + b.path(), "/extensions/%C0%AF/x/y"}) {
                out.write(bytes("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
                out.flush();
                assertThat(read(in, s).status).isEqualTo(400);
            }
            out.write(bytes("GET " + b.controlPath() + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            out.flush();
            assertThat(read(in, s).status).isEqualTo(200);
        }
    }

    @Test
    void aRefusedMethodSaysItsOwnStatusInItsBody() throws Exception {
        Response r = exchange(bytes("DELETE " + b.path() + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertProblem(r, 405, "method-not-allowed", "DELETE");
    }

    // ---- raw HTTP

    record Response(int status, String head, JsonNode problem, boolean closed) {
    }

    static void assertProblem(Response r, int status, String type, String what) {
        assertThat(r.status).as("%s: %s", what, r.head).isEqualTo(status);
        assertThat(r.head.toLowerCase()).as(what).contains("content-type: application/problem+json");
        assertThat(r.problem.path("type").asText()).as(what).isEqualTo("/problems/" + type);
        assertThat(r.problem.path("status").asInt()).as("the body's status, %s", what).isEqualTo(status);
        assertThat(r.problem.path("detail").asText()).as(what).isNotBlank();
    }

    Response get(String target) throws IOException {
        return exchange(bytes("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    /** Sends the bytes on a new connection, reads one response and whether the server then closed. */
    Response exchange(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            Response r = read(in, s);
            s.setSoTimeout(7_000); // the edge lingers up to 5 s after its FIN
            boolean closed;
            try {
                closed = in.read() < 0;
            } catch (java.net.SocketTimeoutException e) {
                closed = false;
            } catch (java.net.SocketException e) {
                closed = true;
            }
            return new Response(r.status, r.head, r.problem, closed);
        }
    }

    static Response read(InputStream in, Socket s) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            byte[] h = head.toByteArray();
            int l = h.length;
            if (l >= 4 && h[l - 4] == '\r' && h[l - 3] == '\n' && h[l - 2] == '\r' && h[l - 1] == '\n') {
                break;
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        assertThat(text).as("a response").startsWith("HTTP/1.1 ");
        int status = Integer.parseInt(text.substring(9, 12));
        int length = Integer.parseInt(text.lines().filter(x -> x.regionMatches(true, 0, "Content-Length:", 0, 15))
                .findFirst().orElse("Content-Length: 0").substring(15).strip());
        byte[] body = in.readNBytes(length);
        JsonNode problem = text.toLowerCase().contains("content-type: application/problem+json") ? JSON.readTree(body)
                : JSON.createObjectNode();
        return new Response(status, text, problem, false);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
