package dev.extfarm.fetcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.fetcher.trust.Trust;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A test fixture standing in for registry-server on 127.0.0.1, serving exactly DESIGN.md's
 * contract: {@code GET /api/v1/compute/spec?pg=&platform=} (bearer compute token), bundles at
 * {@code /extensions/<name>/sha-256+<hex>/bundle.tar} (ETag, Accept-Ranges, 206 on Range) and
 * {@code .../<ext>.control}, private-style signed links ({@code ?tenant=&exp=&sig=}, HMAC-SHA256,
 * 403 problem+json {@code link-expired} once expired). Hostile behaviours are switched on per
 * test: {@link #serveInstead}, {@link #linkTtl}, {@link #stallAfter}, {@link #kill}/{@link #restart}.
 */
public final class RegistryFixture implements TestRegistry {

    static final String TENANT = "acme";
    static final String TOKEN = "compute-token-for-tests";
    private static final ObjectMapper SNAKE = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    record Published(VerifiedBundle bundle, byte[] bytes) {
    }

    private final int pg;
    private final String platform;
    private final Map<String, Published> granted = new TreeMap<>();
    /** Every version published of each bundle, in publish order (the later ones are the newer ones). */
    private final Map<String, List<Published>> published = new TreeMap<>();
    /** bundle name → the version its spec entry is pinned to (the later ones are then listed in its {@code versions}). */
    private final Map<String, String> pins = new TreeMap<>();
    private final Map<String, Published> bySha = new ConcurrentHashMap<>();
    /** sha256 → bytes served instead of the real ones (corrupt, truncated). */
    final Map<String, byte[]> serveInstead = new ConcurrentHashMap<>();
    /** sha256 → after this many body bytes of one response, stop sending (the connection is closed). */
    final Map<String, Long> stallAfter = new ConcurrentHashMap<>();
    /** Every bundle request: "GET /extensions/.../bundle.tar Range: bytes=N-". */
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    /** Bytes per second each bundle response is sent at (0 = as fast as possible). */
    volatile long sendRate;
    /** Specs carry each bundle's control file inline ({@code control}), as the real registry does. */
    volatile boolean inlineControls;
    /** Control files replaced in the spec's inline text (name → text), to send a broken one. */
    final Map<String, String> inlineInstead = new ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicLong controlRequests = new java.util.concurrent.atomic.AtomicLong();
    volatile java.time.Duration linkTtl = java.time.Duration.ofMinutes(15);
    /** Compute specs served (each read of the spec by a fetcher). */
    final java.util.concurrent.atomic.AtomicLong specRequests = new java.util.concurrent.atomic.AtomicLong();
    /** The spec endpoint answers 503 (the links already handed out still work). */
    volatile boolean specUnavailable;
    /** Declared sizes in the spec, when a test wants them to lie. */
    final Map<String, Long> specSize = new ConcurrentHashMap<>();
    private final byte[] key = "fixture-link-key".getBytes(StandardCharsets.UTF_8);
    /** The fixture's own farm key: every published bundle is signed with it, as the registry does. */
    final SigningKey signingKey = SigningKey.generate("fixture-farm-key");
    /** sha256 → signature bytes served instead of the real one; an empty array: no signature (404). */
    final Map<String, byte[]> signatureInstead = new ConcurrentHashMap<>();
    private HttpServer server;
    private int port;

    public RegistryFixture(int pg, String platform) throws IOException {
        this.pg = pg;
        this.platform = platform;
        start(0);
    }

    private void start(int p) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "registry-fixture");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    /** Stops answering at once, dropping open connections (a killed registry). */
    public void kill() {
        server.stop(0);
    }

    /** Listens again on the same port. */
    public void restart() throws IOException {
        start(port);
    }

    @Override
    public synchronized void publish(Path bundleTar) throws Exception {
        byte[] bytes = Files.readAllBytes(bundleTar);
        VerifiedBundle vb = BundleReader.withDefaults().verify(new java.io.ByteArrayInputStream(bytes));
        Published p = new Published(vb, bytes);
        bySha.put(vb.sha256(), p);
        granted.put(vb.manifest().name(), p);
        published.computeIfAbsent(vb.manifest().name(), k -> new ArrayList<>()).add(p);
    }

    /** The spec's entry of {@code name} is this (published) version; the versions published after it are listed as newer ones. */
    synchronized void pin(String name, String version) {
        pins.put(name, version);
    }

    @Override
    public synchronized void revoke(String name) {
        granted.remove(name);
    }

    /** The JWS the registry would serve for this bundle, signed with {@code by}. */
    byte[] signature(VerifiedBundle b, SigningKey by) {
        var m = b.manifest();
        try {
            return BundleSignature.sign(new BundleSignature.Statement(b.sha256(), m.name(), m.version(), pg, platform), by);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Trust trust() {
        return new Trust(new KeySet(List.of(signingKey)), null, false);
    }

    /** The fixture's public keys as a JWK Set file (for --trusted-keys). */
    Path keysFile(Path dir) throws IOException {
        Path f = dir.resolve("trusted-keys.json");
        Files.writeString(f, new KeySet(List.of(signingKey)).toJson().toString());
        return f;
    }

    @Override
    public URI specUrl() {
        return URI.create(base() + "/api/v1/compute/spec?pg=" + pg + "&platform=" + platform);
    }

    @Override
    public String computeToken() {
        return TOKEN;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    /** The spec as a file (for --spec-file tests). */
    public synchronized byte[] specJson() throws IOException {
        return SNAKE.writeValueAsBytes(spec());
    }

    synchronized ComputeSpec spec() {
        Instant now = Instant.now();
        long exp = now.plus(linkTtl).getEpochSecond();
        List<ComputeSpec.Entry> entries = new ArrayList<>();
        for (String name : granted.keySet()) {
            List<Published> all = published.get(name);
            int at = all.size() - 1;
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).bundle().manifest().version().equals(pins.get(name))) {
                    at = i;
                }
            }
            List<ComputeSpec.Entry> newer = new ArrayList<>();
            for (int i = all.size() - 1; i > at; i--) {
                newer.add(entry(all.get(i), exp, false, List.of()));
            }
            entries.add(entry(all.get(at), exp, true, newer));
        }
        return new ComputeSpec(1, TENANT, pg, platform, now.toString(), now.plus(linkTtl).toString(), entries);
    }

    private ComputeSpec.Entry entry(Published p, long exp, boolean inline, List<ComputeSpec.Entry> newer) {
        var m = p.bundle().manifest();
        String dir = "/extensions/" + m.name() + "/sha-256+" + p.bundle().sha256();
        // a library bundle (no control file) has no control link, as the registry serves it
        String control = m.extensions().contains(m.name()) ? m.name() : m.extensions().isEmpty() ? null : m.extensions().get(0);
        String text = !inline || !inlineControls || control == null ? null : inlineInstead.getOrDefault(m.name(),
                new String(p.bundle().controlFiles().get(control), StandardCharsets.UTF_8));
        Map<String, List<String>> updates = new TreeMap<>();
        for (String ext : m.extensions()) {
            List<String> paths = new ArrayList<>();
            for (var f : m.files()) {
                String prefix = "share/extension/" + ext + "--";
                if (f.path().startsWith(prefix) && f.path().endsWith(".sql")) {
                    String mid = f.path().substring(prefix.length(), f.path().length() - 4);
                    if (mid.split("--", -1).length == 2) {
                        paths.add(mid);
                    }
                }
            }
            updates.put(ext, paths);
        }
        return new ComputeSpec.Entry(m.name(), m.version(), p.bundle().sha256(), specSize.getOrDefault(p.bundle().sha256(),
                (long) p.bytes().length), sign(dir + "/bundle.tar", exp), control == null ? null : sign(dir + "/" + control + ".control", exp),
                text, null, sign(dir + "/bundle.tar.sig", exp), m.extensions(), m.libraries(), m.requires(), m.sharedPreload(),
                m.preload(), m.systemLibraries(), updates, newer);
    }

    private String sign(String path, long exp) {
        return base() + path + "?tenant=" + TENANT + "&exp=" + exp + "&sig=" + hmac("GET\n" + path + "\n" + TENANT + "\n" + exp);
    }

    private String hmac(String s) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/api/v1/compute/spec")) {
                if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    problem(ex, 401, "unauthenticated", "give a compute token");
                    return;
                }
                if (specUnavailable) {
                    problem(ex, 503, "unavailable", "the spec cannot be served right now");
                    return;
                }
                specRequests.incrementAndGet();
                send(ex, 200, "application/json", specJson(), -1);
                return;
            }
            String[] seg = path.substring(1).split("/");
            if (seg.length != 4 || !seg[0].equals("extensions") || !seg[2].startsWith("sha-256+")) {
                problem(ex, 404, "not-found", "no such path");
                return;
            }
            String sha = seg[2].substring("sha-256+".length());
            Published p = bySha.get(sha);
            if (p == null) {
                problem(ex, 404, "bundle-not-found", "no bundle " + sha);
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String exp = q.get("exp");
            if (exp == null || !hmac("GET\n" + path + "\n" + q.get("tenant") + "\n" + exp).equals(q.get("sig"))) {
                problem(ex, 403, "link-invalid", "this link's signature does not match");
                return;
            }
            if (Instant.now().getEpochSecond() > Long.parseLong(exp)) {
                problem(ex, 403, "link-expired", "this link has expired; fetch a fresh compute spec");
                return;
            }
            if (seg[3].equals("bundle.tar.sig")) {
                byte[] jws = signatureInstead.containsKey(sha) ? signatureInstead.get(sha) : signature(p.bundle(), signingKey);
                if (jws.length == 0) {
                    problem(ex, 404, "signature-not-found", "no signature for " + sha);
                    return;
                }
                send(ex, 200, "application/jose+json", jws, -1);
                return;
            }
            if (seg[3].endsWith(".control")) {
                controlRequests.incrementAndGet();
                String ctl = seg[3].substring(0, seg[3].length() - ".control".length());
                byte[] c = p.bundle().controlFiles().get(ctl);
                if (c == null) {
                    problem(ex, 404, "bundle-not-found", "no " + ctl + ".control");
                    return;
                }
                send(ex, 200, "text/plain; charset=utf-8", c, -1);
                return;
            }
            byte[] bytes = serveInstead.getOrDefault(sha, p.bytes());
            String range = ex.getRequestHeaders().getFirst("Range");
            requests.add("GET " + path + (range == null ? "" : " Range: " + range));
            ex.getResponseHeaders().set("ETag", "\"sha-256+" + sha + "\"");
            ex.getResponseHeaders().set("Accept-Ranges", "bytes");
            long start = 0;
            if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                start = Long.parseLong(range.substring(6, range.length() - 1));
                if (start >= bytes.length) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                    problem(ex, 416, "range-not-satisfiable", "past the end");
                    return;
                }
                ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
            }
            byte[] body = start == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, (int) start, bytes.length);
            Long stall = stallAfter.remove(sha);
            send(ex, range != null ? 206 : 200, "application/x-tar", body, stall == null ? -1 : stall);
        } catch (RuntimeException e) {
            e.printStackTrace();
        }
    }

    private void send(HttpExchange ex, int status, String type, byte[] body, long cutAfter) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        OutputStream out = ex.getResponseBody();
        long rate = sendRate;
        int chunk = 16 << 10;
        long t0 = System.nanoTime();
        for (int off = 0; off < body.length; off += chunk) {
            int n = Math.min(chunk, body.length - off);
            if (cutAfter >= 0 && off + n > cutAfter) {
                out.write(body, off, (int) Math.max(0, cutAfter - off));
                out.flush();
                throw new IOException("fixture: connection cut after " + cutAfter + " bytes"); // closes the exchange mid-body
            }
            out.write(body, off, n);
            if (rate > 0 && type.equals("application/x-tar")) {
                long due = t0 + (off + n) * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private static void problem(HttpExchange ex, int status, String code, String detail) throws IOException {
        byte[] b = ("{\"type\":\"/problems/" + code + "\",\"title\":\"" + code + "\",\"status\":" + status + ",\"detail\":\""
                + detail + "\"}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new TreeMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    long bundleRequests(String name) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.contains("/extensions/" + name + "/")).count();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

}
