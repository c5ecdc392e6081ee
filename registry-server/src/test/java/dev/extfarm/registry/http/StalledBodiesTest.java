package dev.extfarm.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, item 4: clients that open request bodies and stop sending must not starve the API.
 * Against the real registry on real sockets: 250 bodies stall (half recipe pushes with maintainer
 * tokens, half bundle uploads with worker tokens, over eight tokens) while the catalog and the
 * compute spec are asked 200 times each; their p99 stays under a second, a normal upload and a
 * recipe push go through, a token at its cap gets 429 before anything of its body is read, and the
 * stalled connections get 408 and are closed after the idle timeout.
 */
@QuarkusTest
class StalledBodiesTest {

    static final int STALLED = 250;
    static final int TOKENS_PER_ROLE = 4;

    @Inject
    BodyIntake intake;
    @Inject
    HttpLimits limits;

    @TestHTTPResource("/")
    URL main;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void stalledBodiesHoldNoThreadAreCappedPerTokenAndEndAfterTheIdleTimeout() throws Exception {
        assertThat(limits.maxBodiesPerToken() * TOKENS_PER_ROLE * 2).as("the stall fits under the caps").isGreaterThanOrEqualTo(STALLED);
        String tenant = Api.tenant("stall");
        String compute = Api.token("compute", tenant);
        List<String> maintainers = new ArrayList<>();
        List<String> workers = new ArrayList<>();
        for (int i = 0; i < TOKENS_PER_ROLE; i++) {
            maintainers.add(Api.token("maintainer", null));
            workers.add(Api.token("worker", null));
        }
        List<java.nio.file.Path> spooledBefore = spooled();
        List<Socket> stalled = new ArrayList<>();
        // while the API is measured the bodies trickle (a byte per socket every 10 s, a slow loris), so that
        // none reaches the idle timeout before the measurements are done; then they stop for good
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < STALLED; i++) {
                String token = (i % 2 == 0 ? maintainers : workers).get((i / 2) % TOKENS_PER_ROLE);
                stalled.add(i % 2 == 0 ? stallRecipePush(token) : stallBundleUpload(token));
            }
            AtomicLong lastByte = new AtomicLong(System.nanoTime());
            trickle.scheduleWithFixedDelay(() -> {
                stalled.forEach(s -> {
                    try {
                        s.getOutputStream().write(' ');
                        s.getOutputStream().flush();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                lastByte.set(System.nanoTime());
            }, 10, 10, TimeUnit.SECONDS);
            awaitBodiesInFlight(maintainers, workers, STALLED);

            // a token at its cap: 429 with Retry-After, answered before any of the body was sent
            for (String token : List.of(workers.get(0), maintainers.get(0))) {
                boolean put = token.equals(workers.get(0));
                try (Socket s = new Socket(main.getHost(), main.getPort())) {
                    s.setSoTimeout(10_000);
                    String target = put ? "PUT /" + Bundles.bundle(Bundles.uniqueName("capped"), "1.0", 17).path()
                            : "POST /api/v1/recipes";
                    write(s, target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                            + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
                    String head = readHead(s.getInputStream());
                    assertThat(head).as("a capped %s", put ? "upload" : "push").startsWith("HTTP/1.1 429 ")
                            .containsIgnoringCase("retry-after: ").containsIgnoringCase("application/problem+json");
                }
            }

            // a normal upload and a recipe push, with tokens of their own, go through meanwhile
            Bundles.Bundle b = Bundles.bundle(Bundles.uniqueName("during"), "1.0", 17, 5000);
            Api.upload(Api.token("worker", null), b, 201);
            Farm.pushNew(Api.token("maintainer", null), Farm.unique("during"), List.of(17));

            // the API answers everyone else as if nothing happened
            String spec = "/api/v1/compute/spec?pg=17&platform=" + Bundles.PLATFORM;
            long[] catalog = latencies("/api/v1/extensions?q=stall", null, 200);
            long[] specs = latencies(spec, compute, 200);
            assertThat(p99(catalog)).as("catalog p99 (ms) while %d bodies stall; sorted: %s", STALLED, Arrays.toString(catalog))
                    .isLessThan(1000);
            assertThat(p99(specs)).as("compute-spec p99 (ms) while %d bodies stall; sorted: %s", STALLED, Arrays.toString(specs))
                    .isLessThan(1000);
            System.out.printf("while %d bodies stalled: catalog p50 %d ms, p99 %d ms, max %d ms; compute spec p50 %d ms, "
                    + "p99 %d ms, max %d ms (200 requests each)%n", STALLED, catalog[100], p99(catalog), catalog[199], specs[100],
                    p99(specs), specs[199]);
            awaitBodiesInFlight(maintainers, workers, STALLED); // all still there: the measurement ran during the stall

            // stalled for good: 408 and closed once the idle timeout has passed since the last byte
            trickle.shutdown();
            assertThat(trickle.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            long idleMillis = limits.bodyIdleTimeout().toMillis();
            ExecutorService readers = Executors.newFixedThreadPool(16);
            try {
                List<CompletableFuture<String>> ends = new ArrayList<>();
                for (Socket s : stalled) {
                    ends.add(CompletableFuture.supplyAsync(() -> untilClosed(s, idleMillis + 20_000), readers));
                }
                for (CompletableFuture<String> end : ends) {
                    assertThat(end.get(idleMillis + 40_000, TimeUnit.MILLISECONDS)).startsWith("HTTP/1.1 408 ")
                            .containsIgnoringCase("application/problem+json").contains("/problems/body-idle-timeout");
                }
            } finally {
                readers.shutdownNow();
            }
            long quietFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastByte.get());
            assertThat(quietFor).as("the stalled bodies ended after the idle timeout, not before").isGreaterThanOrEqualTo(idleMillis - 1000);
            awaitBodiesInFlight(maintainers, workers, 0);
            assertThat(spooled()).as("the bodies spooled meanwhile were removed").isSubsetOf(spooledBefore);
        } finally {
            trickle.shutdownNow();
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    List<java.nio.file.Path> spooled() throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(intake.spoolDir())) {
            return files.filter(f -> f.getFileName().toString().startsWith("body-")).toList();
        }
    }

    /** A recipe push whose body stops after a few bytes (Content-Length says 200000). */
    Socket stallRecipePush(String maintainer) throws IOException {
        Socket s = new Socket(main.getHost(), main.getPort());
        write(s, "POST /api/v1/recipes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + maintainer
                + "\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{\"recipe");
        return s;
    }

    /** A bundle upload whose body stops after 1000 bytes (Content-Length says 1000000). */
    Socket stallBundleUpload(String worker) throws IOException {
        Socket s = new Socket(main.getHost(), main.getPort());
        write(s, "PUT /" + Bundles.bundle(Bundles.uniqueName("stall"), "1.0", 17).path() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + worker + "\r\nContent-Type: application/x-tar\r\nContent-Length: 1000000\r\n\r\n");
        s.getOutputStream().write(new byte[1000]);
        s.getOutputStream().flush();
        return s;
    }

    void awaitBodiesInFlight(List<String> maintainers, List<String> workers, int expected) throws InterruptedException {
        List<String> callers = new ArrayList<>();
        Stream.concat(maintainers.stream(), workers.stream()).forEach(t -> callers.add("token:" + Api.tokenId(t)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int now = -1;
        while (System.nanoTime() < deadline) {
            now = callers.stream().mapToInt(intake::inFlight).sum();
            if (now == expected) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(now).as("request bodies in flight").isEqualTo(expected);
    }

    /** Sorted latencies (ms) of {@code n} GETs, one after the other. */
    long[] latencies(String path, String token, int n) throws Exception {
        long[] ms = new long[n];
        for (int i = 0; i < n; i++) {
            var req = HttpRequest.newBuilder(URI.create(main.toString()).resolve(path)).timeout(Duration.ofSeconds(15));
            if (token != null) {
                req.header("Authorization", "Bearer " + token);
            }
            long t = System.nanoTime();
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            ms[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
            assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
        }
        Arrays.sort(ms);
        return ms;
    }

    static long p99(long[] sorted) {
        return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
    }

    /** Reads what the server sends until it closes; the text (empty when it only closed). */
    static String untilClosed(Socket s, long timeoutMillis) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            s.setSoTimeout((int) timeoutMillis);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return "still open after " + timeoutMillis + " ms: " + got.toString(StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            // a reset after the answer also ends it
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    static String readHead(InputStream in) throws IOException {
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
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
