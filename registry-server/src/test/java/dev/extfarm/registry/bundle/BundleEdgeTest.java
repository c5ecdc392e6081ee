package dev.extfarm.registry.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bundle edge (a second, plain Netty port; tests run it on a free port): the same bytes and
 * headers as the main port for public bundles, conditional and range requests, redirects for what
 * it does not serve, clear errors, and the HTTP/1.x connection rules a raw client relies on.
 */
@QuarkusTest
class BundleEdgeTest {

    @Inject
    BundleEdge edge;

    @Inject
    EdgeConfig edgeConfig;

    @TestHTTPResource("/")
    URL main;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Bundles.Bundle b;

    @BeforeEach
    void upload() {
        b = Bundles.bundle(Bundles.uniqueName("edge"), "1.0", 17, 70_000);
        Api.upload(Api.token("worker", null), b, 201);
    }

    URI edgeUri(String path) {
        return URI.create("http://127.0.0.1:" + edge.port() + path);
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        var req = HttpRequest.newBuilder(edgeUri(path));
        if (headers.length > 0) {
            req.headers(headers);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    String etag() {
        return "\"sha-256+" + b.sha256() + "\"";
    }

    @Test
    void servesAPublicBundleWithTheMainPortsHeaders() throws Exception {
        assertThat(edge.port()).isPositive();
        for (int i = 0; i < 3; i++) { // first look-up, then remembered
            var r = get(b.path());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(b.bytes());
            assertThat(r.headers().firstValue("ETag")).hasValue(etag());
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-tar");
            assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(b.bytes().length));
            assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
            assertThat(r.headers().firstValue("Date")).isPresent();
        }
        var head = http.send(HttpRequest.newBuilder(edgeUri(b.path())).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(b.bytes().length));
    }

    @Test
    void servesControlFilesSignaturesAndPercentEncodedDigests() throws Exception {
        var control = get(b.controlPath());
        assertThat(control.statusCode()).isEqualTo(200);
        assertThat(control.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(new String(control.body(), StandardCharsets.UTF_8)).contains("default_version");
        var sig = get(b.path() + ".sig");
        assertThat(sig.statusCode()).isEqualTo(200);
        assertThat(sig.headers().firstValue("Content-Type")).hasValue("application/jose+json");
        assertThat(sig.headers().firstValue("Cache-Control")).hasValue("public, max-age=300");
        assertThat(get(b.path().replace("+", "%2B")).body()).isEqualTo(b.bytes());
    }

    @Test
    void conditionalAndRangeRequests() throws Exception {
        int n = b.bytes().length;
        assertThat(get(b.path(), "If-None-Match", etag()).statusCode()).isEqualTo(304);
        assertThat(get(b.path(), "If-None-Match", "\"other\", W/" + etag()).statusCode()).isEqualTo(304);
        assertThat(get(b.path(), "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
        var part = get(b.path(), "Range", "bytes=100-199");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 100-199/" + n);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(b.bytes(), 100, 200));
        var tail = get(b.path(), "Range", "bytes=-10");
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(b.bytes(), n - 10, n));
        assertThat(get(b.path(), "Range", "bytes=0-9", "If-Range", "\"stale\"").statusCode()).isEqualTo(200);
        assertThat(get(b.path(), "Range", "bytes=0-9", "If-Range", etag()).statusCode()).isEqualTo(206);
        var unsatisfiable = get(b.path(), "Range", "bytes=" + (n + 5) + "-");
        assertThat(unsatisfiable.statusCode()).isEqualTo(416);
        assertThat(unsatisfiable.headers().firstValue("Content-Range")).hasValue("bytes */" + n);
        assertThat(new String(unsatisfiable.body(), StandardCharsets.UTF_8)).contains("/problems/range-not-satisfiable");
    }

    /** Issue 25: the edge reads a range by the main port's rule (BlobServing); the first and third failed before. */
    @Test
    void onlyValidByteRangesAreRangesAndHugeLastPositionsAreClamped() throws Exception {
        int n = b.bytes().length;
        var dashes = get(b.path(), "Range", "bytes=--5");
        assertThat(dashes.statusCode()).isEqualTo(200);
        assertThat(dashes.body()).isEqualTo(b.bytes());
        assertThat(get(b.path(), "Range", "bytes=+5-9").statusCode()).isEqualTo(200);
        var huge = get(b.path(), "Range", "bytes=0-99999999999999999999");
        assertThat(huge.statusCode()).isEqualTo(206);
        assertThat(huge.headers().firstValue("Content-Range")).hasValue("bytes 0-" + (n - 1) + "/" + n);
        assertThat(huge.body()).isEqualTo(b.bytes());
        assertThat(get(b.path(), "Range", "bytes=-0").statusCode()).isEqualTo(416);
    }

    @Test
    void unknownAndMalformedPathsAreProblems() throws Exception {
        var unknown = get(b.wrongPath());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(new String(unknown.body(), StandardCharsets.UTF_8)).contains("bundle-not-found");
        var badDigest = get("/extensions/" + b.name() + "/sha-256+nothex/bundle.tar");
        assertThat(badDigest.statusCode()).isEqualTo(400);
        assertThat(new String(badDigest.body(), StandardCharsets.UTF_8)).contains("invalid-digest");
        var elsewhere = get("/api/v1/extensions");
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertThat(new String(elsewhere.body(), StandardCharsets.UTF_8)).contains("main port");
        var put = http.send(HttpRequest.newBuilder(edgeUri(b.path())).PUT(HttpRequest.BodyPublishers.ofByteArray(b.bytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.body()).contains("main port");
    }

    @Test
    void privateBundlesAreRedirectedToTheMainPortWithTheirQueryUntilTheyArePublic() throws Exception {
        Bundles.Bundle hidden = Bundles.bundle(Bundles.uniqueName("edgepriv"), "1.0", 17);
        Api.makePrivate(hidden.name()); // private is decided before the first upload
        Api.upload(Api.token("worker", null), hidden, 201);
        var r = get(hidden.path() + "?tenant=t&exp=1&sig=abc");
        assertThat(r.statusCode()).isEqualTo(307);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).isEqualTo("http://127.0.0.1:" + main.getPort() + hidden.path() + "?tenant=t&exp=1&sig=abc");
        // the main port applies the private rules: a forged link is refused there
        var followed = http.send(HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(followed.statusCode()).isEqualTo(403);
        assertThat(get(hidden.path()).statusCode()).isEqualTo(307);

        Api.as(Api.ADMIN).contentType(io.restassured.http.ContentType.JSON).body(java.util.Map.of("visibility", "public"))
                .put("/api/v1/admin/extensions/" + hidden.name() + "/visibility").then().statusCode(200);
        var now = get(hidden.path());
        assertThat(now.statusCode()).isEqualTo(200);
        assertThat(now.body()).isEqualTo(hidden.bytes());
    }

    @Test
    void aBlobDeletedAfterItWasRememberedIsA404NotACutBody() throws Exception {
        assertThat(get(b.path()).statusCode()).isEqualTo(200);
        Path file;
        try (Stream<Path> files = Files.walk(Path.of(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("extfarm.data-dir", String.class)))) {
            file = files.filter(p -> p.toString().endsWith(b.sha256() + "/bundle.tar")).findFirst().orElseThrow();
        }
        byte[] saved = Files.readAllBytes(file);
        Files.delete(file);
        try {
            var r = get(b.path());
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("bundle-not-found");
        } finally {
            Files.write(file, saved);
        }
        assertThat(get(b.path()).body()).isEqualTo(b.bytes());
    }

    @Test
    void keepsHttp11ConnectionsOpenAnswersPipelinedRequestsInOrderAndClosesHttp10() throws Exception {
        String small = b.controlPath();
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            OutputStream out = s.getOutputStream();
            String req = "GET " + small + " HTTP/1.1\r\nHost: x\r\n\r\n";
            String wrong = "GET " + b.wrongPath() + " HTTP/1.1\r\nHost: x\r\n\r\n";
            out.write((req + wrong + req).getBytes(StandardCharsets.US_ASCII)); // pipelined
            out.flush();
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 404 ");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
        }
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            s.getOutputStream().write(("GET " + small + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(10_000);
            byte[] all = s.getInputStream().readAllBytes(); // returns: the server closed the connection
            String text = new String(all, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 200 ").contains("Connection: close");
        }
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            s.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(10_000);
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 4");
        }
    }

    /**
     * A body of several megabytes (many sendfile calls): whole, a range in its middle, pipelined on
     * one connection, and cut by a client that goes away; afterwards no file descriptor of the blob
     * is left open.
     */
    @Test
    void aLargeBodyIsWholeAndItsFileIsClosedEvenWhenTheClientLeaves() throws Exception {
        Bundles.Bundle big = Bundles.bundle(Bundles.uniqueName("edgebig"), "1.0", 17, 5_300_000);
        Api.upload(Api.token("worker", null), big, 201);
        long chunk = 2L << 20;
        assertThat((long) big.bytes().length).isGreaterThan(2 * chunk);
        var whole = get(big.path());
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(big.bytes());
        var across = get(big.path(), "Range", "bytes=" + (chunk - 10) + "-" + (2 * chunk + 9));
        assertThat(across.statusCode()).isEqualTo(206);
        assertThat(across.body()).isEqualTo(Arrays.copyOfRange(big.bytes(), (int) chunk - 10, (int) (2 * chunk + 10)));
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            String req = "GET " + big.path() + " HTTP/1.1\r\nHost: x\r\n\r\n";
            s.getOutputStream().write((req + req).getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
        }
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            s.getOutputStream().write(("GET " + big.path() + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readNBytes(100_000); // then gone, with most of the body unsent
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (openDescriptorsOf(big.sha256()) > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(openDescriptorsOf(big.sha256())).as("open descriptors of the blob").isZero();
    }

    /**
     * A client that stops reading pins little of the edge's memory in the kernel: the unsent part of
     * its response stays near TCP_NOTSENT_LOWAT ({@link EdgeConfig#notsentLowat()}, 32 KiB) instead of
     * growing to the send buffer's maximum (4 MiB by default), read from the kernel with {@code ss}.
     */
    @Test
    void aClientThatStopsReadingLeavesLittleOfItsBodyQueuedInTheKernel() throws Exception {
        Bundles.Bundle big = Bundles.bundle(Bundles.uniqueName("edgeslow"), "1.0", 17, 5_300_000);
        Api.upload(Api.token("worker", null), big, 201);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 << 10);
            s.connect(new InetSocketAddress("127.0.0.1", edge.port()));
            s.getOutputStream().write(("GET " + big.path() + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(20_000);
            assertThat(s.getInputStream().readNBytes(1000)).hasSize(1000); // then it reads no more
            long sent = 0;
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) { // until the edge cannot send any more
                Thread.sleep(200);
                long now = bytesSentOnTheEdgesConnections();
                if (now == sent && now > 0) {
                    break;
                }
                sent = now;
            }
            assertThat(unsentOnTheEdgesConnections()).as("bytes the kernel holds unsent for the stalled client")
                    .isPositive().isLessThanOrEqualTo(edgeConfig.notsentLowat() + (64 << 10));
        }
    }

    /**
     * An upload sent to the edge by mistake: the 405 reaches the client although the edge never
     * wanted the body (it reads and drops it, as nginx does, instead of closing with unread bytes,
     * which made the kernel reset the connection under the client's feet), and the connection
     * serves the next request.
     */
    @Test
    void aRefusedUploadGetsIts405EvenWhileItsBodyIsStillComing() throws Exception {
        byte[] body = new byte[4 << 20];
        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket("127.0.0.1", edge.port())) {
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(("PUT " + b.path() + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body); // the whole body: the edge answers after the head, long before this is sent
                out.flush();
                InputStream in = s.getInputStream();
                assertThat(readResponse(in)).startsWith("HTTP/1.1 405 ");
                out.write(("GET " + b.controlPath() + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200 ");
            }
        }
    }

    long unsentOnTheEdgesConnections() throws Exception {
        return ss("notsent:");
    }

    long bytesSentOnTheEdgesConnections() throws Exception {
        return ss("bytes_sent:");
    }

    /** The largest value of one field of {@code ss -ti} over the edge's established connections. */
    long ss(String field) throws Exception {
        Process p = new ProcessBuilder("ss", "-Htni", "state", "established", "( sport = :" + edge.port() + " )")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("ss (iproute2): %s", out).isZero();
        return Pattern.compile("\\b" + field + "(\\d+)").matcher(out).results()
                .mapToLong(m -> Long.parseLong(m.group(1))).max().orElse(0);
    }

    /** This JVM's open file descriptors whose target path contains the text (Linux /proc). */
    static long openDescriptorsOf(String text) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains(text);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    /** Reads one response (head + Content-Length body); returns the head. */
    static String readResponse(InputStream in) throws IOException {
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
        int length = Integer.parseInt(text.lines().filter(x -> x.regionMatches(true, 0, "Content-Length:", 0, 15))
                .findFirst().orElseThrow().substring(15).strip());
        in.readNBytes(length);
        return text;
    }
}
