package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.egress.AllowList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Fetching over a real HTTP server on 127.0.0.1 playing a Debian mirror and an upstream site. */
class SourceFetcherTest {

    @TempDir
    Path cacheDir;

    private LoopbackServer server;
    private SourceFetcher fetcher;

    private static final byte[] TARBALL = new TestArchive().dir("pgdemo-1.2.0").file("pgdemo-1.2.0/Makefile", "MODULES = pgdemo\n").tarGz();
    private static final String TARBALL_SHA = sha256(TARBALL);
    private static final String POOL = "/debian/pool/main/p/pgdemo/pgdemo_1.2.0.orig.tar.gz";

    @BeforeEach
    void start() throws IOException {
        server = new LoopbackServer();
        fetcher = newFetcher(SourceFetcherConfig.defaults(cacheDir));
    }

    /** The upstream site is on 127.0.0.1: allowed as an operator would (the Debian mirror is trusted as configured). */
    private SourceFetcher newFetcher(SourceFetcherConfig base) {
        return new SourceFetcher(base.withDebianMirror(server.uri("/debian"), List.of("old", "stable", "unstable"))
                .withLimits(Duration.ofSeconds(5), Duration.ofSeconds(30), 1 << 20)
                .withEgress(base.egress().withAllowList(AllowList.parse("127.0.0.1"))));
    }

    @AfterEach
    void stop() {
        fetcher.close();
        server.close();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String paragraph(String pkg, String version, String origSha, long origSize) {
        String upstream = version.substring(0, version.lastIndexOf('-'));
        return "Package: " + pkg + "\n"
                + "Binary: postgresql-17-" + pkg + "\n"
                + "Version: " + version + "\n"
                + "Maintainer: Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>\n"
                + "Build-Depends: debhelper-compat (= 13),\n postgresql-all (>= 217~)\n"
                + "Format: 3.0 (quilt)\n"
                + "Files:\n 00000000000000000000000000000000 " + origSize + " " + pkg + "_" + upstream + ".orig.tar.gz\n"
                + "Checksums-Sha256:\n"
                + " " + "a".repeat(64) + " 1234 " + pkg + "_" + version + ".dsc\n"
                + " " + origSha + " " + origSize + " " + pkg + "_" + upstream + ".orig.tar.gz\n"
                + " " + "b".repeat(64) + " 5678 " + pkg + "_" + version + ".debian.tar.xz\n"
                + "Directory: pool/main/" + pkg.charAt(0) + "/" + pkg + "\n"
                + "Priority: optional\n"
                + "Section: database\n\n";
    }

    private static byte[] xz(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (XZOutputStream xz = new XZOutputStream(out, new LZMA2Options())) {
            xz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] gz(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** "old" has only a plain index without pgdemo, "stable" an xz one with 1.2.0-3, "unstable" a gz one with 1.3.0-1. */
    private void serveMirror() throws IOException {
        server.serve("/debian/dists/old/main/source/Sources", paragraph("other-ext", "1.0-1", "c".repeat(64), 10)
                .getBytes(StandardCharsets.UTF_8));
        server.serve("/debian/dists/stable/main/source/Sources.xz", xz(paragraph("other-ext", "1.0-1", "c".repeat(64), 10)
                + paragraph("pgdemo", "1.2.0-3", TARBALL_SHA, TARBALL.length)));
        server.serve("/debian/dists/unstable/main/source/Sources.gz", gz(paragraph("pgdemo", "1.3.0-1", "d".repeat(64), 99)));
        server.serve(POOL, TARBALL);
    }

    private SourceException fails(Recipe.Source source) throws IOException {
        try {
            fetcher.fetch(source);
        } catch (SourceException e) {
            assertNothingCached();
            return e;
        }
        throw new AssertionError("fetched");
    }

    private void assertNothingCached() throws IOException {
        for (String dir : List.of("sha256", "tmp")) {
            Path d = cacheDir.resolve(dir);
            if (Files.isDirectory(d)) {
                try (Stream<Path> files = Files.list(d)) {
                    assertThat(files).as(dir).isEmpty();
                }
            }
        }
    }

    @Test
    void downloadsVerifiesAndCachesByHash() throws Exception {
        server.serve("/dl/pgdemo-1.2.0.tar.gz", TARBALL);
        var source = new Recipe.UrlSource(server.uri("/dl/pgdemo-1.2.0.tar.gz"), TARBALL_SHA, Optional.empty());

        Path archive = fetcher.fetch(source);

        assertThat(archive).isEqualTo(cacheDir.resolve("sha256").resolve(TARBALL_SHA));
        assertThat(Files.readAllBytes(archive)).isEqualTo(TARBALL);
        assertThat(fetcher.fetch(source)).isEqualTo(archive);
        assertThat(server.hits("/dl/pgdemo-1.2.0.tar.gz")).as("the second fetch is served from the cache").isEqualTo(1);
    }

    @Test
    void aChecksumMismatchNamesBothHashesAndCachesNothing() throws Exception {
        server.serve("/dl/pgdemo.tar.gz", TARBALL);
        String pinned = "0".repeat(64);

        SourceException e = fails(new Recipe.UrlSource(server.uri("/dl/pgdemo.tar.gz"), pinned, Optional.empty()));

        assertThat(e.reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH);
        assertThat(e.reason().code()).isEqualTo("checksum-mismatch");
        assertThat(e.expectedSha256()).contains(pinned);
        assertThat(e.actualSha256()).contains(TARBALL_SHA);
        assertThat(e).hasMessage(server.uri("/dl/pgdemo.tar.gz") + ": sha-256 mismatch: the recipe pins " + pinned
                + " but the bytes are " + TARBALL_SHA + "; nothing was cached");
    }

    @Test
    void notFoundIsSourceUnavailable() throws Exception {
        SourceException e = fails(new Recipe.UrlSource(server.uri("/dl/missing.tar.gz"), TARBALL_SHA, Optional.empty()));
        assertThat(e.reason().code()).isEqualTo("source-unavailable");
        assertThat(e).hasMessageContaining("/dl/missing.tar.gz: HTTP 404");
    }

    @Test
    void anUnreachableServerIsSourceUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + closedPort + "/pgdemo.tar.gz");
        SourceException e = fails(new Recipe.UrlSource(url, TARBALL_SHA, Optional.empty()));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        assertThat(e).hasMessageStartingWith(url + ": cannot fetch " + url + ": ");
    }

    @Test
    void fileUrlsAreNeverRead(@TempDir Path upstream) throws Exception {
        Path local = Files.write(upstream.resolve("pgdemo.tar.gz"), TARBALL);
        var source = new Recipe.UrlSource(local.toUri(), TARBALL_SHA, Optional.empty());

        SourceException e = fails(source);

        assertThat(e.reason()).isEqualTo(SourceException.Reason.URL_SCHEME);
        assertThat(e.reason().code()).isEqualTo("source-url-scheme");
        assertThat(e).hasMessageContaining("is not an https or http URL").hasMessageNotContaining(TARBALL_SHA);
    }

    @Test
    void findsADebianOrigTarballThroughTheSuitesIndexes() throws Exception {
        serveMirror();
        var source = new Recipe.DebianSource("pgdemo", "1.2.0-3", TARBALL_SHA, Optional.empty());

        ResolvedSource resolved = fetcher.resolve(source);
        Path archive = fetcher.fetch(source);

        assertThat(resolved.url()).isEqualTo(server.uri(POOL));
        assertThat(resolved.origin()).isEqualTo("debian stable pgdemo 1.2.0-3 pgdemo_1.2.0.orig.tar.gz");
        assertThat(archive).hasBinaryContent(TARBALL);
        assertThat(server.hits("/debian/dists/old/main/source/Sources.xz")).as("tried first, 404").isEqualTo(1);
        assertThat(server.hits("/debian/dists/old/main/source/Sources.gz")).as("tried second, 404").isEqualTo(1);
        assertThat(server.hits("/debian/dists/old/main/source/Sources")).as("the plain index").isEqualTo(1);
        assertThat(server.hits("/debian/dists/stable/main/source/Sources.xz")).as("cached after the first read").isEqualTo(1);
    }

    @Test
    void anIndexCannotPointOutsideTheMirrorsPool() throws Exception {
        // the mirror is trusted configuration; what its index says is not
        String good = paragraph("pgdemo", "1.2.0-3", TARBALL_SHA, TARBALL.length);
        List<String> escapes = List.of(
                good.replace("Directory: pool/main/p/pgdemo", "Directory: pool/main/../../../admin"),
                good.replace("Directory: pool/main/p/pgdemo", "Directory: /etc"),
                good.replace("Directory: pool/main/p/pgdemo", "Directory: http://169.254.169.254/latest"),
                good.replace("Directory: pool/main/p/pgdemo", "Directory: pool/%2e%2e/%2e%2e/admin"),
                good.replace("Directory: pool/main/p/pgdemo", "Directory: pool//main"),
                good.replace(" pgdemo_1.2.0.orig.tar.gz\n", " pgdemo_1.2.0.orig.tar.gz/../../../../admin/x\n"));
        for (String index : escapes) {
            server.serve("/debian/dists/stable/main/source/Sources", index.getBytes(StandardCharsets.UTF_8));
            try (SourceFetcher f = newFetcher(SourceFetcherConfig.defaults(cacheDir.resolve("c" + escapes.indexOf(index)))
                    .withIndexMaxAge(Duration.ZERO))) {
                SourceException e = null;
                try {
                    f.fetch(new Recipe.DebianSource("pgdemo", "1.2.0-3", TARBALL_SHA, Optional.empty()));
                } catch (SourceException x) {
                    e = x;
                }
                assertThat(e).as(index).isNotNull();
                assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
                assertThat(e).hasMessageContaining("no usable .orig.tar.*");
            }
        }
        assertThat(server.totalHits() - server.hitsUnder("/debian/dists/"))
                .as("only indexes were requested").isZero();
    }

    @Test
    void anUpstreamVersionMatchesAnyDebianRevision() throws Exception {
        serveMirror();
        var source = new Recipe.DebianSource("pgdemo", "1.2.0", TARBALL_SHA, Optional.empty());
        assertThat(fetcher.fetch(source)).hasBinaryContent(TARBALL);
    }

    @Test
    void aVersionInNoSuiteIsSourceUnavailableAndSaysWhatExists() throws Exception {
        serveMirror();
        SourceException e = fails(new Recipe.DebianSource("pgdemo", "9.9-1", TARBALL_SHA, Optional.empty()));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        // then what the source mirrors had: the farm's to fix
        assertThat(e).hasMessageStartingWith("Debian source pgdemo 9.9-1 is not in the Sources index of old, stable, unstable at "
                + server.uri("/debian") + " (found: stable 1.2.0-3, unstable 1.3.0-1); ");
        assertThat(fails(new Recipe.DebianSource("nosuch", "1.0-1", TARBALL_SHA, Optional.empty())))
                .hasMessageContaining("(no version of nosuch at all)");
    }

    @Test
    void anIndexHashDifferentFromThePinIsAChecksumMismatch() throws Exception {
        serveMirror();
        SourceException e = fails(new Recipe.DebianSource("pgdemo", "1.3.0-1", TARBALL_SHA, Optional.empty()));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH);
        assertThat(e).hasMessage("Debian source pgdemo 1.3.0-1: the recipe pins sha-256 " + TARBALL_SHA
                + " but unstable 1.3.0-1 pgdemo_1.3.0.orig.tar.gz has sha-256 " + "d".repeat(64));
    }

    @Test
    void poolBytesThatDoNotMatchThePinAreRefused() throws Exception {
        serveMirror();
        server.serve(POOL, "tampered".getBytes());
        SourceException e = fails(new Recipe.DebianSource("pgdemo", "1.2.0-3", TARBALL_SHA, Optional.empty()));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH);
        assertThat(e.actualSha256()).contains(sha256("tampered".getBytes()));
    }

    @Test
    void aMissingPoolFileIsSourceUnavailable() throws Exception {
        serveMirror();
        server.remove(POOL);
        SourceException e = fails(new Recipe.DebianSource("pgdemo", "1.2.0-3", TARBALL_SHA, Optional.empty()));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        assertThat(e).hasMessageStartingWith("debian stable pgdemo 1.2.0-3 pgdemo_1.2.0.orig.tar.gz: not found");
    }

    @Test
    void indexesAreRefetchedWhenOldAndUsedStaleWhenTheMirrorIsDown() throws Exception {
        serveMirror();
        var source = new Recipe.DebianSource("pgdemo", "1.2.0-3", TARBALL_SHA, Optional.empty());
        String index = "/debian/dists/stable/main/source/Sources.xz";
        try (SourceFetcher eager = newFetcher(SourceFetcherConfig.defaults(cacheDir).withIndexMaxAge(Duration.ZERO))) {
            eager.resolve(source);
            eager.resolve(source);
            assertThat(server.hits(index)).isEqualTo(2);

            server.close();
            assertThat(eager.resolve(source).origin()).as("stale indexes still resolve").startsWith("debian stable");
        }
    }

    @Test
    void aCorruptCacheEntryIsFetchedAgain() throws Exception {
        server.serve("/dl/pgdemo.tar.gz", TARBALL);
        var source = new Recipe.UrlSource(server.uri("/dl/pgdemo.tar.gz"), TARBALL_SHA, Optional.empty());
        Path archive = fetcher.fetch(source);
        Files.write(archive, "bit rot".getBytes());

        assertThat(fetcher.fetch(source)).hasBinaryContent(TARBALL);
        assertThat(server.hits("/dl/pgdemo.tar.gz")).isEqualTo(2);
    }

    @Test
    void fetchedSourcesUnpack() throws Exception {
        serveMirror();
        Path archive = fetcher.fetch(new Recipe.DebianSource("pgdemo", "1.2.0-3", TARBALL_SHA, Optional.empty()));
        UnpackedSource src = new SourceUnpacker().unpack(archive, cacheDir.resolve("work"), Optional.empty());
        assertThat(src.buildDir().resolve("Makefile")).hasContent("MODULES = pgdemo");
    }
}
