package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.recipe.RecipeBundle;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supply-chain trust end to end, every part real: the packaged registry (which signs what it
 * accepts with its own generated farm key) and a packaged builder worker build recipes/semver in
 * Docker (bookworm/PG 15 images); a fetcher that trusts the registry's published keys installs
 * the bundle into a real PostgreSQL 15, where CREATE EXTENSION and a query work. Before that, the
 * same bundle with a tampered signature, with a signature by an unknown key, and with bytes
 * changed after signing is each refused, leaving nothing of the bundle on disk.
 */
class SignedBuildEndToEndTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path WORKER_JAR = ROOT.resolve("builder-worker/target/quarkus-app/quarkus-run.jar");
    static final String SOURCE_CACHE = System.getenv().getOrDefault("EXTFARM_SOURCE_CACHE", "/var/cache/extfarm/sources");
    static final String SEMVER_SOURCE = "3e50bcc29a0e2e481e7b6d2bc937cadc5f5869f55d983b5a1aafeb49f5425cfc";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aFarmBuiltBundleIsSignedInstalledAndEveryTamperingIsRefused() throws Exception {
        assumeTrue(RealRegistry.available() && Files.exists(WORKER_JAR), "package registry-server and builder-worker first");
        assumeTrue(Files.exists(Path.of(SOURCE_CACHE, SEMVER_SOURCE)) || Files.isDirectory(Path.of(SOURCE_CACHE)),
                "the recipe source cache " + SOURCE_CACHE + " is needed (./extfarm recipe fetch recipes/semver)");
        assumeTrue(new ProcessBuilder("docker", "info").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor() == 0, "a Docker engine is needed");
        awaitImages();
        try (RealRegistry registry = new RealRegistry(Map.of("EXTFARM_FARM_TARGETS", "15:" + Bundles.PLATFORM));
             Node node = new Node()) {
            String worker = token(registry, "worker");
            String maintainer = token(registry, "maintainer");
            Process w = startWorker(registry, worker);
            JsonNode build;
            try {
                long id = push(registry, maintainer, ROOT.resolve("recipes/semver"));
                build = awaitBuild(registry, id);
            } finally {
                w.destroy();
                w.waitFor();
            }
            assertThat(build.path("status").asText()).as(build + "\n" + Files.readString(tmp.resolve("worker.log"))).isEqualTo("succeeded");
            String sha = registry.spec().path("extensions").get(0).path("sha256").asText();
            Path bundleDir = registry.dataDir().resolve("blobs/extensions/semver/sha-256+" + sha);
            Path sigFile = bundleDir.resolve("bundle.tar.sig");
            Path tarFile = bundleDir.resolve("bundle.tar");
            byte[] goodSig = Files.readAllBytes(sigFile);
            byte[] goodTar = Files.readAllBytes(tarFile);
            String kid = BundleSignature.verify(goodSig, registry.trust().keys(), new BundleSignature.Statement(sha, "semver",
                    "0.40.0", 15, Bundles.PLATFORM));

            Fetcher f = node.fetcher(registry);
            f.prepare();

            // 1. a tampered signature
            String json = new String(goodSig, StandardCharsets.UTF_8);
            int at = json.indexOf("\"signature\" : \"") + 20;
            Files.writeString(sigFile, json.substring(0, at) + (json.charAt(at) == 'A' ? 'B' : 'A') + json.substring(at + 1));
            assertRefused(f, node, Set.of("signature-invalid"), kid);

            // 2. a signature by a key the fetcher does not trust
            SigningKey unknown = SigningKey.generate("unknown-key");
            Files.write(sigFile, BundleSignature.sign(new BundleSignature.Statement(sha, "semver", "0.40.0", 15, Bundles.PLATFORM), unknown));
            assertRefused(f, node, Set.of("signature-untrusted-key"), "unknown-key");

            // 3. the signature is the farm's, but the bytes changed after signing (same size, one byte flipped)
            Files.write(sigFile, goodSig);
            try (RandomAccessFile raf = new RandomAccessFile(tarFile.toFile(), "rw")) {
                long pos = goodTar.length / 2;
                raf.seek(pos);
                raf.write(goodTar[(int) pos] ^ 0x5a);
            }
            // the hardened reader sees the changed entry (bundle-rejected) before the end of the stream (digest-mismatch)
            assertRefused(f, node, Set.of("bundle-rejected", "digest-mismatch"), sha);

            // the real thing: installed, and PostgreSQL loads it
            Files.write(tarFile, goodTar);
            assertThat(f.requestExtension("semver", WAIT).state()).isEqualTo("installed");
            node.pg.start();
            assertThat(node.pg.sql("CREATE EXTENSION semver; SELECT '1.2.3'::semver < '1.10.0'::semver")).isEqualTo("t");

            // provenance of the build: signed by the same farm key, about this bundle
            HttpResponse<byte[]> prov = http.send(HttpRequest.newBuilder(registry.base().resolve("/api/v1/builds/"
                    + build.path("id").asLong() + "/provenance")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(prov.statusCode()).isEqualTo(200);
            var verified = dev.extfarm.bundle.sign.Dsse.verify(prov.body(), registry.trust().keys());
            JsonNode st = JSON.readTree(verified.payload());
            assertThat(st.path("subject").get(0).path("digest").path("sha256").asText()).isEqualTo(sha);
            assertThat(st.toString()).contains("patches/standard-layout.patch").contains(SEMVER_SOURCE)
                    .contains("pkg:deb/debian/postgresql-semver@0.40.0-2");
        }
    }

    private void assertRefused(Fetcher f, Node node, Set<String> codes, String mention) throws Exception {
        assertThatThrownBy(() -> f.requestExtension("semver", WAIT)).isInstanceOf(FetchException.class)
                .satisfies(e -> {
                    assertThat(((FetchException) e).code()).isIn(codes);
                    assertThat(e.getMessage()).contains("semver").contains(mention).contains("nothing was");
                });
        assertThat(Files.exists(node.marker("semver"))).isFalse();
        assertThat(node.filesOf("semver--")).as("SQL scripts").isEmpty();
        assertThat(node.filesOf("semver.so")).as("the module").isEmpty();
        assertThat(node.strayTempFiles()).isEmpty();
        try (var s = Files.list(node.state.resolve("staging"))) {
            assertThat(s.toList()).as("staging").isEmpty();
        }
        if (Files.exists(node.cache)) {
            try (var s = Files.walk(node.cache)) {
                assertThat(s.filter(Files::isRegularFile).filter(p -> !p.getParent().getFileName().toString().equals("locks")).toList())
                        .as("the bundle cache (its empty lock files aside)").isEmpty();
            }
        }
    }

    /** CI builds the images in the background while Maven runs and exports that pid: wait for it. */
    private static void awaitImages() throws InterruptedException {
        String pid = System.getenv("EXTFARM_IMAGES_PID");
        if (pid != null && !pid.isBlank()) {
            var builder = ProcessHandle.of(Long.parseLong(pid.strip()));
            long deadline = System.nanoTime() + Duration.ofMinutes(40).toNanos();
            while (builder.isPresent() && builder.get().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(2000);
            }
        }
    }

    private String token(RealRegistry registry, String role) throws Exception {
        return JSON.readTree(registry.call("POST", "/api/v1/admin/tokens", "{\"role\": \"" + role + "\", \"label\": \"e2e\"}", 201))
                .path("token").asText();
    }

    private Process startWorker(RealRegistry registry, String token) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", WORKER_JAR.toString())).redirectErrorStream(true).redirectOutput(tmp.resolve("worker.log").toFile());
        pb.environment().putAll(Map.of("EXTFARM_WORKER_REGISTRY", registry.base().toString(), "EXTFARM_WORKER_TOKEN", token,
                "EXTFARM_WORKER_ID", "e2e-worker", "EXTFARM_WORKER_TARGETS", "bookworm-pg15",
                "EXTFARM_WORKER_WORK_DIR", tmp.resolve("work").toString(), "EXTFARM_WORKER_SOURCE_CACHE", SOURCE_CACHE,
                "EXTFARM_WORKER_PORT", String.valueOf(port), "EXTFARM_WORKER_WALL_TIME", "120s", "EXTFARM_WORKER_MEMORY", "1g",
                "EXTFARM_WORKER_POLL_INTERVAL", "1s"));
        return pb.start();
    }

    private long push(RealRegistry registry, String maintainer, Path recipe) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(registry.base().resolve("/api/v1/recipes"))
                .header("Authorization", "Bearer " + maintainer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RecipeBundle.readDirectory(recipe).toJson())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        for (JsonNode b : JSON.readTree(r.body()).path("scheduled")) {
            if (b.path("pg_major").asInt() == 15) {
                return b.path("build_id").asLong();
            }
        }
        throw new AssertionError("no PG 15 build scheduled: " + r.body());
    }

    private JsonNode awaitBuild(RealRegistry registry, long id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        JsonNode b = null;
        while (System.nanoTime() < deadline) {
            b = JSON.readTree(registry.call("GET", "/api/v1/builds/" + id, null, 200));
            if (Set.of("succeeded", "failed", "cached", "cancelled", "farm-error").contains(b.path("status").asText())) {
                return b;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("build " + id + " did not finish: " + b);
    }
}
