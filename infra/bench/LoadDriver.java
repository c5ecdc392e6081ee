import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator of infra/bench/load.sh (JDK HttpClient, one platform thread per simulated
 * client, HTTP/1.1 keep-alive). Two scenarios, each bounded in count and time:
 * <pre>
 * pulls   BASE CONCURRENCY TIMEOUT_S URL SIZE [URL SIZE ...]
 *         for each blob: CONCURRENCY clients GET it at once, once each; every body is counted
 * compute BASE NODES SECONDS PG PLATFORM TOKEN [TOKEN ...]
 *         NODES nodes (round-robin over the compute tokens) loop for SECONDS: GET the compute
 *         spec, then every bundle of it through the spec's link (signed for private bundles)
 * </pre>
 * Prints one markdown row per scenario: requests, errors, throughput, p50/p99/max latency.
 * (Benchmark tool, not product code: run by load.sh with Jackson on the class path.)
 */
public class LoadDriver {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Latencies (ns) and outcome counts of one scenario, shared by its client threads. */
    static final class Stats {
        final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());

        void ok(long ns, long n) {
            latencies.add(ns);
            bytes.addAndGet(n);
        }

        void error(String what) {
            errors.incrementAndGet();
            if (firstErrors.size() < 5) {
                firstErrors.add(what);
            }
        }

        String row(String scenario, String concurrency, double seconds) {
            List<Long> l = new ArrayList<>(latencies);
            Collections.sort(l);
            long n = l.size();
            return String.format("| %s | %s | %d | %d | %.1f | %.1f | %s | %s | %s | %.1f s |", scenario, concurrency, n, errors.get(),
                    n / seconds, bytes.get() / seconds / 1048576.0, ms(pct(l, 0.50)), ms(pct(l, 0.99)), ms(l.isEmpty() ? 0 : l.get(l.size() - 1)),
                    seconds);
        }

        static long pct(List<Long> sorted, double p) {
            return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
        }

        static String ms(long ns) {
            return ns >= 10_000_000_000L ? String.format("%.1f s", ns / 1e9) : String.format("%.1f ms", ns / 1e6);
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "pulls" -> pulls(a);
            case "compute" -> compute(a);
            default -> throw new IllegalArgumentException("pulls | compute");
        }
    }

    /** GET url, count the body; returns the byte count, or throws with a reason. */
    static long get(String url, String bearer, Duration timeout) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = r.body()) {
            for (int k; (k = in.read(buf)) >= 0; ) {
                n += k;
            }
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + " for " + url.replaceAll("\\?.*", ""));
        }
        return n;
    }

    static void pulls(String[] a) throws Exception {
        int concurrency = Integer.parseInt(a[2]);
        Duration timeout = Duration.ofSeconds(Long.parseLong(a[3]));
        for (int i = 4; i + 1 < a.length; i += 2) {
            String url = a[1] + a[i];
            long size = Long.parseLong(a[i + 1]);
            Stats s = new Stats();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                        long t0 = System.nanoTime();
                        long n = get(url, null, timeout);
                        if (n != size) {
                            s.error("short body: " + n + " of " + size + " bytes");
                        } else {
                            s.ok(System.nanoTime() - t0, n);
                        }
                    } catch (Exception e) {
                        s.error(e.toString());
                    }
                });
                t.start();
                threads.add(t);
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.println(s.row(String.format("pull %.0f MB blob", size / 1048576.0), String.valueOf(concurrency), secs));
            s.firstErrors.forEach(e -> System.err.println("  error: " + e));
        }
    }

    static void compute(String[] a) throws Exception {
        String base = a[1];
        int nodes = Integer.parseInt(a[2]);
        long seconds = Long.parseLong(a[3]);
        String spec = base + "/api/v1/compute/spec?pg=" + a[4] + "&platform=" + a[5];
        List<String> tokens = List.of(a).subList(6, a.length);
        Stats specs = new Stats();
        Stats bundles = new Stats();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Duration timeout = Duration.ofSeconds(60);
        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int i = 0; i < nodes; i++) {
            String token = tokens.get(i % tokens.size());
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < deadline) {
                    JsonNode body;
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(spec)).timeout(timeout)
                                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("HTTP " + r.statusCode() + " for the compute spec: "
                                    + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
                        }
                        body = JSON.readTree(r.body());
                        specs.ok(System.nanoTime() - t0, r.body().length);
                    } catch (Exception e) {
                        specs.error(e.toString());
                        continue;
                    }
                    for (JsonNode e : body.get("extensions")) {
                        long b0 = System.nanoTime();
                        try {
                            long n = get(e.get("link").asText(), null, timeout); // as the fetcher: the link alone
                            if (n != e.get("size").asLong()) {
                                bundles.error("short body: " + n + " of " + e.get("size").asLong());
                            } else {
                                bundles.ok(System.nanoTime() - b0, n);
                            }
                        } catch (Exception x) {
                            bundles.error(x.toString());
                        }
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.println(specs.row("compute node: spec", String.valueOf(nodes), secs));
        System.out.println(bundles.row("compute node: bundle via link", String.valueOf(nodes), secs));
        specs.firstErrors.forEach(e -> System.err.println("  spec error: " + e));
        bundles.firstErrors.forEach(e -> System.err.println("  bundle error: " + e));
    }
}
