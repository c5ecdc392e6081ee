package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.egress.AllowList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archive sources from the operator's source mirrors ({@code <mirror>/sha256/<hex>}): tried before
 * the network, verified like a download; a mirror file with other bytes, or reached through a
 * link, is never used; a source nobody has is {@code source-unavailable}, the farm's to fix.
 * The upstream is a real HTTP server on 127.0.0.1 that answers 404 unless told otherwise.
 */
class SourceMirrorArchivesTest {

    private static final byte[] TARBALL = new TestArchive().dir("pgdemo-1.2.0").file("pgdemo-1.2.0/Makefile", "MODULES = pgdemo\n").tarGz();
    private static final String SHA = SourceFetcherTest.sha256(TARBALL);

    @TempDir
    Path tmp;

    private LoopbackServer server;
    private Recipe.UrlSource source;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackServer();
        source = new Recipe.UrlSource(server.uri("/dl/pgdemo-1.2.0.tar.gz"), SHA, Optional.empty());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SourceFetcher fetcher(Path... mirrors) {
        SourceFetcherConfig base = SourceFetcherConfig.defaults(tmp.resolve("cache"));
        return new SourceFetcher(base.withEgress(base.egress().withAllowList(AllowList.parse("127.0.0.1"))),
                new SourceMirrors(List.of(mirrors)));
    }

    private Path mirror(String name, byte[] bytes) throws Exception {
        Path m = tmp.resolve(name);
        Files.createDirectories(m.resolve("sha256"));
        Files.write(m.resolve("sha256").resolve(SHA), bytes);
        return m;
    }

    private SourceException failure(SourceFetcher fetcher) throws Exception {
        try (fetcher) {
            fetcher.fetch(source);
        } catch (SourceException e) {
            assertNothingCached();
            return e;
        }
        return fail("fetched");
    }

    private void assertNothingCached() throws Exception {
        Path archives = tmp.resolve("cache/sha256");
        if (Files.isDirectory(archives)) {
            try (Stream<Path> files = Files.list(archives)) {
                assertThat(files).isEmpty();
            }
        }
    }

    @Test
    void aMirrorServesTheArchiveWithoutTheNetwork() throws Exception {
        Path mirror = mirror("mirror", TARBALL);
        try (SourceFetcher f = fetcher(mirror)) {
            Path archive = f.fetch(source);
            assertThat(archive).isEqualTo(tmp.resolve("cache/sha256").resolve(SHA));
            assertThat(Files.readAllBytes(archive)).isEqualTo(TARBALL);
        }
        assertThat(server.hits("/dl/pgdemo-1.2.0.tar.gz")).as("the upstream was not asked").isZero();
    }

    @Test
    void aTamperedMirrorFileIsRefusedAndTheNextMirrorUsed() throws Exception {
        byte[] tampered = TARBALL.clone();
        tampered[tampered.length / 2] ^= 1;
        Path bad = mirror("bad", tampered);

        SourceException e = failure(fetcher(bad));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        assertThat(e.reason().isRecipes()).as("a mirror's bad file is the farm's, not the recipe's").isFalse();
        assertThat(e.getMessage()).contains(bad.resolve("sha256").resolve(SHA) + ": its bytes have sha-256 "
                + SourceFetcherTest.sha256(tampered) + ", not the one its name says; not used");

        Path good = mirror("good", TARBALL);
        try (SourceFetcher f = fetcher(bad, good)) {
            assertThat(Files.readAllBytes(f.fetch(source))).isEqualTo(TARBALL);
        }
        assertThat(Files.readAllBytes(bad.resolve("sha256").resolve(SHA))).as("a mirror is read, never changed").isEqualTo(tampered);
    }

    @Test
    void aLinkInAMirrorIsNotFollowed() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.write(outside.resolve(SHA), TARBALL);
        Path linkFile = tmp.resolve("links1");
        Files.createDirectories(linkFile.resolve("sha256"));
        Files.createSymbolicLink(linkFile.resolve("sha256").resolve(SHA), outside.resolve(SHA));
        Path linkDir = tmp.resolve("links2");
        Files.createDirectories(linkDir);
        Files.createSymbolicLink(linkDir.resolve("sha256"), outside);

        SourceException e = failure(fetcher(linkFile, linkDir));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        assertThat(e.getMessage()).contains(linkFile.resolve("sha256").resolve(SHA) + ": a symbolic link, or behind one: not followed")
                .contains(linkDir.resolve("sha256").resolve(SHA) + ": a symbolic link, or behind one: not followed");
    }

    @Test
    void aMirrorWithoutTheFileThenTheNetwork() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty/sha256")).getParent();
        SourceException e = failure(fetcher(empty));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        assertThat(e.getMessage()).contains("not found").contains("no source mirror has sha256/" + SHA + " (" + empty + ")");

        server.serve("/dl/pgdemo-1.2.0.tar.gz", TARBALL);
        try (SourceFetcher f = fetcher(empty)) {
            assertThat(Files.readAllBytes(f.fetch(source))).isEqualTo(TARBALL);
        }
        assertThat(empty.resolve("sha256")).as("a download does not write into a mirror").isEmptyDirectory();
    }

    @Test
    void aPinThatIsNoSha256NamesNoMirrorFile() throws Exception {
        Path m = mirror("mirror", TARBALL);
        Files.writeString(tmp.resolve("passwd"), "root:x:0:0\n");
        assertThat(new SourceMirrors(List.of(m)).archives("../../passwd", new java.util.ArrayList<>())).isEmpty();
        assertThat(new SourceMirrors(List.of(m)).archives(SHA, new java.util.ArrayList<>())).containsExactly(m.resolve("sha256").resolve(SHA));
    }

    @Test
    void withoutAnyMirrorTheMessageSaysHowToGiveOne() throws Exception {
        SourceException e = failure(fetcher());
        assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
        assertThat(e.getMessage()).contains("no source mirror is configured").contains(SourceMirrors.ENV + "=DIR")
                .contains("./extfarm up --source-mirror DIR").contains("sha256/" + SHA);
    }
}
