package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.recipe.Recipe;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git sources written into a source mirror as bundles, with real git: what a worker then reads
 * from the new mirror alone is the same commit and the same exported archive; a second run keeps
 * the bundle; a later commit is added without losing the earlier ones; a broken bundle is replaced;
 * nothing is written through a link.
 */
class GitMirrorBundlesTest {

    private static final URI URL = URI.create("https://git.example.org/acme/pgdemo.git");

    @TempDir
    Path tmp;

    private Path upstream;
    private Path shared;
    private Path mirror;
    private String v1;
    private String v2;
    private int runs;

    @BeforeEach
    void makeUpstream() throws Exception {
        upstream = tmp.resolve("upstream");
        Files.createDirectories(upstream);
        git(upstream, "init", "-q", "-b", "main");
        v1 = commit("sql/pgdemo--1.0.sql", "SELECT 1;\n", "v1.0");
        v2 = commit("sql/pgdemo--1.0--1.1.sql", "SELECT 2;\n", "v1.1");
        shared = tmp.resolve("shared");
        bundleUpstreamInto(shared);
        mirror = tmp.resolve("mirror");
    }

    private String commit(String file, String content, String tag) throws Exception {
        Files.createDirectories(upstream.resolve(file).getParent());
        Files.writeString(upstream.resolve(file), content);
        git(upstream, "add", "-A");
        git(upstream, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", tag);
        git(upstream, "tag", tag);
        return git(upstream, "rev-parse", "HEAD").strip();
    }

    private void bundleUpstreamInto(Path m) throws Exception {
        Files.createDirectories(m.resolve("git.example.org/acme"));
        Files.deleteIfExists(m.resolve("git.example.org/acme/pgdemo.bundle"));
        git(upstream, "bundle", "create", "-q", m.resolve("git.example.org/acme/pgdemo.bundle").toString(), "--all");
    }

    private GitMirrorBundles writer(Path... from) {
        return new GitMirrorBundles(tmp.resolve("work" + (++runs)), new SourceMirrors(List.of(from)), Duration.ofSeconds(60), 64L << 20);
    }

    private GitSources.Exported readBack(Path from, Recipe.GitSource source) throws Exception {
        return new GitSources(tmp.resolve("reader" + (++runs)), new SourceMirrors(List.of(from)), Optional.empty(),
                Duration.ofSeconds(60), 64L << 20).fetch(source);
    }

    private static Recipe.GitSource source(String commit, String tag) {
        return new Recipe.GitSource(URL, commit, Optional.ofNullable(tag), Optional.empty());
    }

    @Test
    void aBundleRoundTripGivesTheSameCommitsTagsAndArchives() throws Exception {
        List<Recipe.GitSource> sources = List.of(source(v1, "v1.0"), source(v2, "v1.1"));
        assertThat(writer(shared).write(mirror, sources)).isEqualTo(GitMirrorBundles.Outcome.WRITTEN);

        Path bundle = mirror.resolve("git.example.org/acme/pgdemo.bundle");
        assertThat(bundle).isRegularFile();
        assertThat(git(tmp, "bundle", "list-heads", bundle.toString())).contains(v1 + " refs/heads/extfarm/pinned/" + v1)
                .contains(v2 + " refs/heads/extfarm/pinned/" + v2).contains("refs/tags/v1.0");
        for (Recipe.GitSource s : sources) {
            assertThat(readBack(mirror, s).sha256()).as("the new mirror alone serves " + s.commit())
                    .isEqualTo(readBack(shared, s).sha256());
        }
        assertThat(Files.list(bundle.getParent()).map(p -> p.getFileName().toString()).toList())
                .as("no temporary file is left").containsExactly("pgdemo.bundle");
    }

    @Test
    void aSecondRunKeepsTheBundleAndALaterCommitIsAddedToWhatWasThere() throws Exception {
        writer(shared).write(mirror, List.of(source(v1, "v1.0")));
        Path bundle = mirror.resolve("git.example.org/acme/pgdemo.bundle");
        byte[] first = Files.readAllBytes(bundle);

        assertThat(writer(shared).write(mirror, List.of(source(v1, "v1.0")))).isEqualTo(GitMirrorBundles.Outcome.KEPT);
        assertThat(Files.readAllBytes(bundle)).isEqualTo(first);
        assertThat(writer().write(mirror, List.of(source(v1, null))))
                .as("kept without any other mirror: the bundle alone has it").isEqualTo(GitMirrorBundles.Outcome.KEPT);

        String v3 = commit("sql/pgdemo--1.1--1.2.sql", "SELECT 3;\n", "v1.2");
        Path newer = tmp.resolve("newer");
        Files.createDirectories(newer.resolve("git.example.org/acme"));
        git(upstream, "bundle", "create", "-q", newer.resolve("git.example.org/acme/pgdemo.bundle").toString(), "v1.2");
        assertThat(writer(newer).write(mirror, List.of(source(v3, "v1.2")))).isEqualTo(GitMirrorBundles.Outcome.WRITTEN);
        assertThat(readBack(mirror, source(v1, "v1.0")).sha256()).as("the earlier commit is still there")
                .isEqualTo(readBack(shared, source(v1, "v1.0")).sha256());
        assertThat(readBack(mirror, source(v3, "v1.2")).archive()).isRegularFile();
    }

    @Test
    void aBrokenBundleInTheMirrorIsReplaced() throws Exception {
        Path bundle = mirror.resolve("git.example.org/acme/pgdemo.bundle");
        Files.createDirectories(bundle.getParent());
        Files.writeString(bundle, "# v2 git bundle\nnot really\n");
        assertThat(writer(shared).write(mirror, List.of(source(v2, "v1.1")))).isEqualTo(GitMirrorBundles.Outcome.WRITTEN);
        assertThat(readBack(mirror, source(v2, "v1.1")).archive()).isRegularFile();
    }

    @Test
    void aCommitNoMirrorHasIsSourceUnavailableAndAWrongTagIsRefused() throws Exception {
        String missing = "0123456789abcdef0123456789abcdef01234567";
        assertThatThrownBy(() -> writer(shared).write(mirror, List.of(source(missing, null))))
                .isInstanceOfSatisfying(SourceException.class, e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE));
        assertThatThrownBy(() -> writer(shared).write(mirror, List.of(source(v1, "v1.1"))))
                .isInstanceOfSatisfying(SourceException.class, e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH));
        assertThat(mirror.resolve("git.example.org/acme/pgdemo.bundle")).doesNotExist();
    }

    @Test
    void nothingIsWrittenThroughALink() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(mirror);
        Files.createSymbolicLink(mirror.resolve("git.example.org"), elsewhere);
        assertThatThrownBy(() -> writer(shared).write(mirror, List.of(source(v1, null))))
                .hasMessageContaining("symbolic link");
        assertThat(elsewhere).isEmptyDirectory();

        Path mirror2 = tmp.resolve("mirror2");
        Files.createDirectories(mirror2.resolve("git.example.org/acme"));
        Path outside = Files.writeString(tmp.resolve("outside.bundle"), "x");
        Files.createSymbolicLink(mirror2.resolve("git.example.org/acme/pgdemo.bundle"), outside);
        assertThatThrownBy(() -> writer(shared).write(mirror2, List.of(source(v1, null)))).hasMessageContaining("symbolic link");
        assertThat(Files.readString(outside)).isEqualTo("x");
    }

    @Test
    void aRecipeCannotNameAPathOutsideTheMirror() throws Exception {
        // the recipe parser refuses such URLs; the mirror code does not rely on it
        Recipe.GitSource climbing = new Recipe.GitSource(URI.create("https://git.example.org/../../../escaped/pgdemo.git"), v1,
                Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> writer(shared).write(mirror, List.of(climbing))).isInstanceOf(SourceException.class);
        assertThat(tmp.resolve("escaped")).doesNotExist();
        assertThat(SourceMirrors.git(shared, climbing.url())).isEmpty();
    }

    static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("git " + String.join(" ", args) + ": " + out);
        }
        return out;
    }
}
