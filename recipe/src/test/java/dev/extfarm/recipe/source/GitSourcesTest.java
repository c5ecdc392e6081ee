package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.recipe.Recipe;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git sources against real git repositories made here: found in a mirror as a bundle or a bare
 * repository, the tag checked, the tree exported deterministically, nothing fetched from the network.
 */
class GitSourcesTest {

    private static final URI URL = URI.create("https://git.example.org/acme/pgdemo.git");

    @TempDir
    Path tmp;

    private Path mirror;
    private String v1;
    private String v2;

    @BeforeEach
    void makeUpstream() throws Exception {
        Path work = tmp.resolve("upstream");
        Files.createDirectories(work.resolve("sql"));
        git(work, "init", "-q", "-b", "main");
        Files.writeString(work.resolve("Makefile"), "EXTENSION = pgdemo\nDATA = sql/pgdemo--1.0.sql\n");
        Files.writeString(work.resolve("sql/pgdemo--1.0.sql"), "SELECT 1;\n");
        Files.writeString(work.resolve(".gitattributes"), "Makefile export-subst\nsecret export-ignore\n");
        Files.writeString(work.resolve("secret"), "$Format:%H$\n");
        Files.writeString(work.resolve("configure"), "#!/bin/sh\necho ok\n");
        Files.setPosixFilePermissions(work.resolve("configure"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(work.resolve("link"), Path.of("Makefile"));
        git(work, "add", "-A");
        git(work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "1.0", "--date=2024-05-01T10:00:00Z");
        git(work, "tag", "v1.0");
        v1 = git(work, "rev-parse", "HEAD").strip();
        Files.writeString(work.resolve("sql/pgdemo--1.0--1.1.sql"), "SELECT 2;\n");
        git(work, "add", "-A");
        git(work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "1.1");
        git(work, "tag", "v1.1");
        v2 = git(work, "rev-parse", "HEAD").strip();
        mirror = tmp.resolve("mirror");
        Files.createDirectories(mirror.resolve("git.example.org/acme"));
        git(work, "bundle", "create", "-q", mirror.resolve("git.example.org/acme/pgdemo.bundle").toString(), "--all");
    }

    private GitSources sources(List<Path> mirrors) {
        return new GitSources(tmp.resolve("cache"), new SourceMirrors(mirrors), Optional.empty(), Duration.ofSeconds(60), 64L << 20);
    }

    @Test
    void aCommitFromAMirrorBundleIsExportedDeterministically() throws Exception {
        GitSources.Exported a = sources(List.of(mirror)).fetch(new Recipe.GitSource(URL, v1, Optional.of("v1.0"), Optional.empty()));
        Map<String, TarArchiveEntry> entries = entries(a.archive());

        String top = "pgdemo-" + v1.substring(0, 12) + "/";
        assertThat(entries.keySet()).containsExactly(top, top + ".gitattributes", top + "Makefile", top + "configure",
                top + "link", top + "secret", top + "sql/", top + "sql/pgdemo--1.0.sql");
        assertThat(entries.get(top + "configure").getMode() & 0777).isEqualTo(0755);
        assertThat(entries.get(top + "Makefile").getMode() & 0777).isEqualTo(0644);
        assertThat(entries.get(top + "link").isSymbolicLink()).isTrue();
        assertThat(entries.get(top + "link").getLinkName()).isEqualTo("Makefile");
        assertThat(entries.values()).allSatisfy(e -> {
            assertThat(e.getModTime().toInstant()).isEqualTo(java.time.Instant.parse("2024-05-01T10:00:00Z"));
            assertThat(e.getLongUserId()).isZero();
            assertThat(e.getUserName()).isEmpty();
        });
        assertThat(content(a.archive(), top + "secret")).as("export-subst/export-ignore are not applied").isEqualTo("$Format:%H$\n");

        // another cache, another run: the same bytes
        GitSources.Exported again = new GitSources(tmp.resolve("cache2"), new SourceMirrors(List.of(mirror)), Optional.empty(), Duration.ofSeconds(60),
                64L << 20).fetch(new Recipe.GitSource(URL, v1, Optional.empty(), Optional.empty()));
        assertThat(again.sha256()).isEqualTo(a.sha256());
        assertThat(Sha256.of(a.archive())).isEqualTo(a.sha256());
    }

    @Test
    void aBareRepositoryInTheMirrorWorksAndTheUrlMayOmitDotGit() throws Exception {
        Path bare = tmp.resolve("mirror2/git.example.org/acme/pgdemo.git");
        Files.createDirectories(bare.getParent());
        git(tmp, "clone", "-q", "--bare", mirror.resolve("git.example.org/acme/pgdemo.bundle").toString(), bare.toString());

        GitSources.Exported e = sources(List.of(tmp.resolve("mirror2"))).fetch(
                new Recipe.GitSource(URI.create("https://git.example.org/acme/pgdemo"), v2, Optional.of("v1.1"), Optional.empty()));
        assertThat(entries(e.archive())).containsKey("pgdemo-" + v2.substring(0, 12) + "/sql/pgdemo--1.0--1.1.sql");
    }

    @Test
    void aTagThatNamesAnotherCommitIsRefused() {
        assertThatThrownBy(() -> sources(List.of(mirror)).fetch(new Recipe.GitSource(URL, v1, Optional.of("v1.1"), Optional.empty())))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH);
                    assertThat(e.getMessage()).contains("tag v1.1").contains("names commit " + v2).contains("pins " + v1);
                });
        assertThatThrownBy(() -> sources(List.of(mirror)).fetch(new Recipe.GitSource(URL, v1, Optional.of("v9"), Optional.empty())))
                .hasMessageContaining("tag v9 does not exist");
    }

    @Test
    void withoutAMirrorOrNetworkTheSourceIsUnavailableAndSaysHowToGiveOne() {
        String missing = "0123456789abcdef0123456789abcdef01234567";
        assertThatThrownBy(() -> sources(List.of(mirror)).fetch(new Recipe.GitSource(URL, missing, Optional.empty(), Optional.empty())))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SourceException.Reason.SOURCE_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("has no commit " + missing).contains("EXTFARM_SOURCE_MIRRORS");
                });
        GitSources offline = new GitSources(tmp.resolve("empty-cache"), SourceMirrors.none(), Optional.empty(), Duration.ofSeconds(60), 64L << 20);
        assertThatThrownBy(() -> offline.fetch(new Recipe.GitSource(URL, v1, Optional.empty(), Optional.empty())))
                .hasMessageContaining("mirrors only");
    }

    @Test
    void aLinkInTheMirrorIsNotFollowedOutOfIt() throws Exception {
        Path elsewhere = tmp.resolve("elsewhere/acme");
        Files.createDirectories(elsewhere);
        Files.move(mirror.resolve("git.example.org/acme/pgdemo.bundle"), elsewhere.resolve("pgdemo.bundle"));
        Files.delete(mirror.resolve("git.example.org/acme"));
        Files.createSymbolicLink(mirror.resolve("git.example.org/acme"), elsewhere);

        assertThatThrownBy(() -> sources(List.of(mirror)).fetch(new Recipe.GitSource(URL, v1, Optional.empty(), Optional.empty())))
                .hasMessageContaining("no git.example.org/acme/pgdemo.bundle");
    }

    @Test
    void theMirrorPathIsHostAndPathWithoutDotGit() {
        assertThat(GitSources.mirrorPath(URI.create("https://github.com/pgaudit/pgaudit.git"))).isEqualTo("github.com/pgaudit/pgaudit");
        assertThat(GitSources.mirrorPath(URI.create("https://github.com/pgaudit/pgaudit"))).isEqualTo("github.com/pgaudit/pgaudit");
        assertThat(GitSources.mirrorPath(URI.create("https://github.com/pgaudit/pgaudit/"))).isEqualTo("github.com/pgaudit/pgaudit");
    }

    private static Map<String, TarArchiveEntry> entries(Path tar) throws IOException {
        Map<String, TarArchiveEntry> out = new TreeMap<>();
        List<String> order = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), e);
                order.add(e.getName());
            }
        }
        assertThat(order).as("entries in name order").isSorted();
        return out;
    }

    private static String content(Path tar, String name) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(name)) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    private static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_COMMITTER_DATE", "2024-05-01T10:00:00Z");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        Files.createDirectories(dir);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }
}
