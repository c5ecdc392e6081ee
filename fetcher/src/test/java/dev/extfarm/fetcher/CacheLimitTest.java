package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.Digests;
import dev.extfarm.fetcher.download.BundleCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle cache with a limit smaller than the catalog ({@code --cache-limit}): every bundle
 * still installs, the cache stays within the limit by evicting the least recently used bundles
 * no database uses, the bundles of created extensions (this node's and another node's sharing
 * the cache) are never evicted, {@code GET /status} reports what the cache holds, and eviction is
 * crash-safe: an entry is either whole in the cache or not counted at all, also after kill -9.
 */
class CacheLimitTest {

    static final int BUNDLE_BYTES = 300_000;

    @TempDir
    Path tmp;

    @Test
    void aCacheSmallerThanTheCatalogKeepsWhatDatabasesUseAndStaysWithinItsLimit() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node(); Node second = new Node()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                names.add("lru" + i);
                registry.publish(Bundles.sql(tmp, "lru" + i).padding(BUNDLE_BYTES).pack());
            }
            long limit = 1_000_000; // about three of the eight bundles
            Fetcher f = node.fetcher(registry, b -> b.cacheLimit(limit));
            f.prepare();
            // created in a database (pg_extfarm asks on CREATE EXTENSION): in use, first in the cache, so least recently used
            f.requestExtension("lru0", Duration.ofSeconds(30));
            f.requestExtension("lru1", Duration.ofSeconds(30));
            f.startBackground().get(60, TimeUnit.SECONDS);

            for (String n : names) {
                assertThat(Files.exists(node.marker(n))).as(n + " installed").isTrue();
            }
            assertThat(node.problems(f)).isEmpty();
            BundleCache.Usage u = f.cache().usage();
            assertThat(u.bytes()).as("cache bytes").isLessThanOrEqualTo(limit);
            assertThat(u.evictions()).isGreaterThanOrEqualTo(5);
            assertThat(cached(node.cache, registry, "lru0")).as("a created extension's bundle").isTrue();
            assertThat(cached(node.cache, registry, "lru1")).as("a created extension's bundle").isTrue();
            assertThat(node.log()).contains("cache: evicted");

            @SuppressWarnings("unchecked")
            Map<String, Object> cache = (Map<String, Object>) f.status().get("cache");
            assertThat(cache).containsEntry("limit", limit).containsEntry("bytes", u.bytes()).containsEntry("bundles", u.bundles())
                    .containsEntry("in_use", 2).containsKey("evicted_bytes").containsKey("dir");
            assertThat((Long) cache.get("evictions")).isGreaterThanOrEqualTo(5L);

            // a second PostgreSQL of the node shares the cache with an even smaller limit: it evicts
            // nothing the first node's databases use
            Fetcher other = second.fetcher(registry, b -> b.cacheDir(node.cache).cacheLimit(BUNDLE_BYTES));
            other.prepare();
            for (String n : names.subList(2, 8)) {
                other.requestExtension(n, Duration.ofSeconds(30), false);
            }
            assertThat(cached(node.cache, registry, "lru0")).as("used by the first node").isTrue();
            assertThat(cached(node.cache, registry, "lru1")).as("used by the first node").isTrue();

            // an evicted bundle is downloaded again when it is needed again (say its files were lost)
            String evicted = names.stream().filter(n -> !cached(node.cache, registry, n)).findFirst().orElseThrow();
            long before = registry.bundleRequests(evicted);
            f.installer().remove(evicted);
            assertThat(f.requestExtension(evicted, Duration.ofSeconds(30)).state()).isEqualTo("installed");
            assertThat(registry.bundleRequests(evicted)).isEqualTo(before + 1);
            assertThat(f.cache().usage().bytes()).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void anEntryACrashLeftMidEvictionIsNeverCounted() throws Exception {
        Path root = tmp.resolve("cache");
        BundleCache cache = new BundleCache(root, 1);
        byte[] bytes = "not a real bundle, only bytes".getBytes();
        String sha = Digests.sha256(bytes);
        Files.createDirectories(root.resolve("evicting"));
        // what a crash between trim's rename and its delete leaves behind
        Files.write(root.resolve("evicting").resolve(sha + ".tar"), bytes);
        assertThat(cache.verified(sha)).isEmpty();
        assertThat(cache.usage().bundles()).isZero();
        new BundleCache(root, 1); // the next start
        try (Stream<Path> s = Files.list(root.resolve("evicting"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    /**
     * kill -9 of a child {@code fetch serve} that installs 12 bundles through a cache holding
     * about two: after every kill, each file in {@code bundles/} is whole (its sha-256 is its
     * name), and the next start installs everything.
     */
    @Test
    void killNineWhileEvictingLeavesOnlyWholeEntries() throws Exception {
        Random random = new Random(Long.getLong("fetcher.seed", System.nanoTime()));
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            for (int i = 0; i < 12; i++) {
                registry.publish(Bundles.sql(tmp, "kc" + i).extraFiles(10).padding(BUNDLE_BYTES).pack());
            }
            Path tokenFile = Files.writeString(tmp.resolve("token"), registry.computeToken());
            var layout = node.layout();
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    FetcherMain.class.getName(), "serve", "--spec-url", registry.specUrl().toString(),
                    "--trusted-keys", registry.keysFile(tmp).toString(), "--token-file", tokenFile.toString(),
                    "--share-dir", layout.shareDir().toString(), "--lib-dir", layout.libDir().toString(),
                    "--state-dir", node.state.toString(), "--cache-dir", node.cache.toString(), "--cache-limit", "700K",
                    "--concurrency", "2", "--bandwidth", "2M", "--refresh", "0", "--hold-background", "0", "--progress", "plain");
            for (int round = 1; round <= 5; round++) {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile())).start();
                Thread.sleep(800 + random.nextInt(2500));
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                assertWholeEntries(node.cache, "after kill " + round);
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile())).start();
            try {
                long deadline = System.currentTimeMillis() + 120_000;
                while (!Files.readString(tmp.resolve("child.log")).contains("background: done (0 failed)")) {
                    assertThat(System.currentTimeMillis()).as(Files.readString(tmp.resolve("child.log"))).isLessThan(deadline);
                    Thread.sleep(200);
                }
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 12; i++) {
                assertThat(Files.exists(node.marker("kc" + i))).as("kc" + i).isTrue();
            }
            assertWholeEntries(node.cache, "at the end");
            assertThat(new BundleCache(node.cache, 700 * 1024).usage().bytes()).isLessThanOrEqualTo(700 * 1024);
            assertThat(Files.readString(tmp.resolve("child.log"))).contains("cache: evicted");
        }
    }

    private static void assertWholeEntries(Path cache, String when) throws Exception {
        Path bundles = cache.resolve("bundles");
        if (!Files.isDirectory(bundles)) {
            return;
        }
        try (Stream<Path> s = Files.list(bundles)) {
            for (Path p : s.toList()) {
                assertThat(p.getFileName().toString()).as(when).isEqualTo(Digests.sha256(p) + ".tar");
            }
        }
    }

    private static boolean cached(Path cache, RegistryFixture registry, String name) {
        return Files.exists(cache.resolve("bundles").resolve(registry.spec().entry(name).orElseThrow().sha256() + ".tar"));
    }
}
