package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.fetcher.report.FetchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken and hostile inputs, each against a relocated PostgreSQL 15's real share/lib directories:
 * a clear error, nothing half-installed (no files, no marker, no temp files), and a retry that
 * succeeds once the cause is gone.
 */
class HostileInputsTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    RegistryFixture registry;
    Node node;

    @BeforeEach
    void setUp() throws Exception {
        registry = new RegistryFixture(15, Bundles.PLATFORM);
        node = new Node();
    }

    @AfterEach
    void tearDown() throws Exception {
        node.close();
        registry.close();
    }

    private void assertNothingOf(String name) throws Exception {
        assertThat(Files.exists(node.marker(name))).as("marker of " + name).isFalse();
        assertThat(node.filesOf(name + "--")).as("SQL scripts of " + name).isEmpty();
        assertThat(node.strayTempFiles()).isEmpty();
        try (var s = Files.list(node.state.resolve("staging"))) {
            assertThat(s.toList()).as("staging").isEmpty();
        }
    }

    private void assertWhole(Fetcher f, String name) throws Exception {
        assertThat(Files.exists(node.marker(name))).as("marker of " + name).isTrue();
        assertThat(Files.exists(node.extension(name + "--1.0.sql"))).isTrue();
        assertThat(node.problems(f)).isEmpty();
        assertThat(node.strayTempFiles()).isEmpty();
    }

    @Test
    void bytesThatDoNotMatchTheSpecAreRefusedAndARetryAfterTheFixSucceeds() throws Exception {
        Path good = Bundles.sql(tmp, "digesty").padding(200_000).pack();
        registry.publish(good);
        String sha = registry.spec().entry("digesty").orElseThrow().sha256();
        byte[] evil = Files.readAllBytes(Bundles.sql(tmp, "digesty").padding(200_000).file("share/extension/digesty--evil.sql", "DROP TABLE x;").pack());
        registry.serveInstead.put(sha, evil);
        registry.specSize.put(sha, (long) evil.length);
        Fetcher f = node.fetcher(registry);
        f.prepare();

        assertThatThrownBy(() -> f.requestExtension("digesty", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("does not have the spec's sha-256").hasMessageContaining("nothing was installed")
                .satisfies(e -> assertThat(((FetchException) e).code()).isEqualTo("digest-mismatch"));
        assertNothingOf("digesty");
        assertThat(Files.exists(node.cache.resolve("partial/" + sha + ".part"))).isFalse();

        registry.serveInstead.remove(sha);
        registry.specSize.remove(sha);
        f.refresh();
        assertThat(f.requestExtension("digesty", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "digesty");
    }

    @Test
    void anExpiredLinkIsReportedAndAFreshSpecFromTheRegistryGivesANewOne() throws Exception {
        registry.publish(Bundles.sql(tmp, "expiring").pack());
        registry.linkTtl = Duration.ofSeconds(-5); // every link the registry hands out is already expired
        Fetcher f = node.fetcher(registry);
        f.prepare();
        assertThatThrownBy(() -> f.requestExtension("expiring", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("403").hasMessageContaining("expired")
                .satisfies(e -> assertThat(((FetchException) e).code()).isEqualTo("link-expired"));
        assertNothingOf("expiring");

        registry.linkTtl = Duration.ofMinutes(15);
        // the fetcher reads a fresh spec by itself when a link has expired
        assertThat(f.requestExtension("expiring", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "expiring");
    }

    @Test
    void anExpiredLinkOfTheRealRegistryIsRenewedWithAFreshSpec() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(RealRegistry.available(), "registry-server is not packaged: " + RealRegistry.JAR);
        try (RealRegistry real = new RealRegistry(java.util.Map.of("EXTFARM_LINKS_TTL", "2s"))) {
            real.publish(Bundles.sql(tmp, "shortlived").pack());
            Fetcher f = node.fetcher(real);
            f.prepare(); // the spec's links are valid for 2 s from now
            Thread.sleep(3_500);
            assertThat(f.requestExtension("shortlived", WAIT).state()).isEqualTo("installed");
            assertThat(node.log()).contains("shortlived 1.0: the link expired; reading a fresh spec");
            assertWhole(f, "shortlived");
        }
    }

    @Test
    void aRegistryKilledMidDownloadIsResumedWithRangeOnceItIsBack() throws Exception {
        registry.publish(Bundles.sql(tmp, "resumed").padding(3_000_000).pack());
        registry.sendRate = 2_000_000;
        Fetcher f = node.fetcher(registry, b -> b.download(new dev.extfarm.fetcher.download.DownloadSettings(
                Duration.ofSeconds(5), 3, Duration.ofMillis(100), Duration.ofMillis(300))));
        f.prepare();
        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(600);
                registry.kill();
            } catch (Exception ignored) {
                // test thread
            }
        });
        killer.start();
        // the registry stays down: the download gives up with a clear error, keeping what it received
        assertThatThrownBy(() -> f.requestExtension("resumed", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("resumed 1.0").hasMessageContaining("next attempt resumes");
        killer.join();
        assertNothingOf("resumed");
        String sha = registry.spec().entry("resumed").orElseThrow().sha256();
        long kept = Files.size(node.cache.resolve("partial/" + sha + ".part"));
        assertThat(kept).isGreaterThan(0).isLessThan(3_000_000);

        registry.restart();
        registry.sendRate = 0;
        assertThat(f.requestExtension("resumed", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "resumed");
        assertThat(registry.requests).anyMatch(r -> r.contains("/resumed/") && r.contains("Range: bytes=" + kept + "-"));
    }

    @Test
    void aConnectionDroppedMidBodyIsResumedInTheSameAttempt() throws Exception {
        registry.publish(Bundles.sql(tmp, "dropped").padding(1_000_000).pack());
        String sha = registry.spec().entry("dropped").orElseThrow().sha256();
        registry.stallAfter.put(sha, 300_000L);
        Fetcher f = node.fetcher(registry);
        f.prepare();
        assertThat(f.requestExtension("dropped", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "dropped");
        assertThat(registry.requests).anyMatch(r -> r.contains("/dropped/") && r.contains("Range: bytes="));
        assertThat(node.log()).contains("reconnects");
    }

    @Test
    void aTruncatedTarballIsRefusedWhetherTheSpecSizeMatchesItOrNot() throws Exception {
        Path tar = Bundles.sql(tmp, "shorty").padding(100_000).pack();
        registry.publish(tar);
        String sha = registry.spec().entry("shorty").orElseThrow().sha256();
        byte[] bytes = Files.readAllBytes(tar);
        byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
        registry.serveInstead.put(sha, cut);
        Fetcher f = node.fetcher(registry);
        f.prepare();
        // the registry serves fewer bytes than the spec says
        assertThatThrownBy(() -> f.requestExtension("shorty", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("serves " + cut.length + " bytes").hasMessageContaining("spec says " + bytes.length);
        assertNothingOf("shorty");
        // the spec agrees with the short file: the hardened reader finds the tar truncated
        registry.specSize.put(sha, (long) cut.length);
        f.refresh();
        assertThatThrownBy(() -> f.requestExtension("shorty", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("truncated");
        assertNothingOf("shorty");

        registry.serveInstead.remove(sha);
        registry.specSize.remove(sha);
        f.refresh();
        assertThat(f.requestExtension("shorty", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "shorty");
    }

    @Test
    void anArchiveOverTheEntryLimitIsRefusedBeforeAnythingIsStaged() throws Exception {
        // issue 21, item 12: the old reader unpacked 50,000 files (10 s and more) before the count rule fired
        Path good = Bundles.sql(tmp, "crowd").pack();
        registry.publish(good);
        String sha = registry.spec().entry("crowd").orElseThrow().sha256();
        BundleManifest m = BundleReader.withDefaults().verify(Files.newInputStream(good)).manifest();
        byte[] crowded = crowded(m, 50_000);
        registry.serveInstead.put(sha, crowded);
        registry.specSize.put(sha, (long) crowded.length);
        Fetcher f = node.fetcher(registry);
        f.prepare();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> f.requestExtension("crowd", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("count: manifest.json").hasMessageContaining("nothing was installed")
                .satisfies(e -> assertThat(((FetchException) e).code()).isEqualTo("bundle-rejected"));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("milliseconds to refuse").isLessThan(5_000);
        assertNothingOf("crowd");

        registry.serveInstead.remove(sha);
        registry.specSize.remove(sha);
        f.refresh();
        assertThat(f.requestExtension("crowd", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "crowd");
    }

    /** The bundle's manifest.json listing {@code extra} more one-byte files in doc/, then those files. */
    private static byte[] crowded(BundleManifest m, int extra) throws Exception {
        List<BundleManifest.FileEntry> files = new java.util.ArrayList<>(m.files());
        String sha = dev.extfarm.bundle.Digests.sha256(new byte[] {'x'});
        for (int i = 0; i < extra; i++) {
            files.add(BundleManifest.FileEntry.file("doc/f" + i, 1, sha, false));
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            put(tar, "manifest.json", m.withFiles(files).toJson());
            for (int i = 0; i < extra; i++) {
                put(tar, "doc/f" + i, new byte[] {'x'});
            }
        }
        return out.toByteArray();
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws java.io.IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    @Test
    void aFullStagingAreaFailsCleanlyAndSucceedsOnceSpaceIsFreed() throws Exception {
        registry.publish(Bundles.sql(tmp, "roomy").padding(2_000_000).pack());
        Fetcher f = node.fetcher(registry, b -> b.stagingQuota(5_000_000));
        f.prepare();
        Path ballast = node.state.resolve("staging/ballast.bin"); // something else filled the staging disk
        Files.write(ballast, new byte[3_000_000]);
        assertThatThrownBy(() -> f.requestExtension("roomy", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("staging is full").hasMessageContaining("--staging-quota")
                .satisfies(e -> assertThat(((FetchException) e).kind()).isEqualTo(FetchException.Kind.NO_SPACE));
        assertThat(Files.exists(node.marker("roomy"))).isFalse();
        assertThat(node.filesOf("roomy-")).isEmpty(); // the control file alone is listed (phase 1), nothing else

        Files.delete(ballast);
        // The failed attempt may still be backing off with the old measurement; the next one sees the room.
        String state = null;
        for (long deadline = System.nanoTime() + 30_000_000_000L; state == null && System.nanoTime() < deadline; ) {
            try {
                state = f.requestExtension("roomy", WAIT).state();
            } catch (FetchException stillFull) {
                Thread.sleep(500);
            }
        }
        assertThat(state).isEqualTo("installed");
        assertWhole(f, "roomy");
    }

    @Test
    void phaseOneLeavesAControlFileOfPostgresqlItselfAloneAndListsTheOthers() throws Exception {
        // a bundle named like a contrib extension of the installation: its control file would replace PostgreSQL's own
        registry.publish(Bundles.sql(tmp, "tablefunc").pack());
        registry.publish(Bundles.sql(tmp, "gamma").pack());
        registry.publish(Bundles.sql(tmp, "delta").pack());
        String before = Files.readString(node.extension("tablefunc.control"));
        Fetcher f = node.fetcher(registry);
        f.prepare();
        assertThat(Files.readString(node.extension("tablefunc.control"))).isEqualTo(before);
        assertThat(f.bundleStatus().error("tablefunc")).contains("tablefunc.control").contains("different bytes");
        assertThat(f.state().get("tablefunc")).isEmpty();
        for (String listed : List.of("gamma", "delta")) {
            assertThat(Files.readString(node.extension(listed + ".control"))).contains("test extension " + listed);
            assertThat(f.state().get(listed).orElseThrow().status()).isEqualTo("available");
            assertThat(Files.exists(node.marker(listed))).isFalse();
        }
        assertThat(node.strayTempFiles()).isEmpty();
    }

    @Test
    void aFileAnotherBundleInstalledWithOtherBytesIsAConflictNamingBoth() throws Exception {
        registry.publish(Bundles.sql(tmp, "alpha").file("share/extension/shared_helper.sql", "-- alpha's\n").pack());
        registry.publish(Bundles.sql(tmp, "beta").file("share/extension/shared_helper.sql", "-- beta's\n").pack());
        Fetcher f = node.fetcher(registry);
        f.prepare();
        f.requestExtension("alpha", WAIT);
        assertThatThrownBy(() -> f.requestExtension("beta", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("shared_helper.sql is installed by bundle 'alpha' 1.0")
                .hasMessageContaining("bundle 'beta' 1.0 has different bytes")
                .satisfies(e -> assertThat(((FetchException) e).code()).isEqualTo("file-conflict"));
        assertThat(Files.readString(node.extension("shared_helper.sql"))).isEqualTo("-- alpha's\n");
        assertThat(Files.exists(node.marker("beta"))).isFalse();
        assertThat(Files.exists(node.extension("beta--1.0.sql"))).isFalse();

        registry.revoke("alpha"); // the cause goes away: alpha is no longer granted (and no database created it)
        node.fetchers.get(0).state().forgetCreated("alpha");
        f.refresh();
        assertThat(f.requestExtension("beta", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "beta");
        assertThat(Files.readString(node.extension("shared_helper.sql"))).isEqualTo("-- beta's\n");
    }

    @Test
    void aFileOfPostgresqlItselfIsNeverOverwritten() throws Exception {
        registry.publish(Bundles.sql(tmp, "hstore").pack()); // PostgreSQL 15 ships its own hstore.control
        Fetcher f = node.fetcher(registry);
        f.prepare();
        assertThat(node.log()).contains("hstore.control is installed by something other than extfarm");
        assertThatThrownBy(() -> f.requestExtension("hstore", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("hstore.control is installed by something other than extfarm");
        assertThat(Files.readString(node.extension("hstore.control"))).contains("data type for storing sets of (key, value) pairs");
    }

    @Test
    void aMissingSystemLibraryIsNamedAndInstallingItMakesTheRetrySucceed() throws Exception {
        registry.publish(Bundles.sql(tmp, "needy").systemLibraries("libc.so.6", "libextfarm-test-missing.so.3").pack());
        Path extra = Files.createDirectories(tmp.resolve("syslibs"));
        Fetcher f = node.fetcher(registry, b -> b.systemLibDirs(java.util.List.of(extra)));
        f.prepare();
        assertThatThrownBy(() -> f.requestExtension("needy", WAIT)).isInstanceOf(FetchException.class)
                .hasMessageContaining("needs the system library libextfarm-test-missing.so.3")
                .hasMessageNotContaining("libc.so.6,")
                .satisfies(e -> assertThat(((FetchException) e).kind()).isEqualTo(FetchException.Kind.MISSING_DEPENDENCY));
        assertNothingOf("needy");
        assertThat(registry.bundleRequests("needy")).isZero(); // checked before downloading

        Files.write(extra.resolve("libextfarm-test-missing.so.3"), new byte[]{0x7f, 'E', 'L', 'F'}); // "apt-get install"
        assertThat(f.requestExtension("needy", WAIT).state()).isEqualTo("installed");
        assertWhole(f, "needy");
    }
}
