package dev.extfarm.cli.sources;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.extfarm.bundle.Digests;
import dev.extfarm.cli.CliRun;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code extfarm sources mirror DIR RECIPE...} end to end, with real git, real files and an
 * upstream on 127.0.0.1: an empty directory becomes a mirror (an archive as sha256/<hex>, a git
 * source with two per-major variants as one bundle, its commits copied from another mirror
 * without any network), a farm without the network fetches every source from it alone, a second
 * run keeps everything, a mirror copies into another offline, and a tampered file is refused.
 */
class SourcesMirrorCommandTest {

    private static final byte[] TARBALL = "pgdemo 1.0.0 source archive bytes\n".getBytes(StandardCharsets.US_ASCII);
    private static final String SHA = Digests.sha256(TARBALL);

    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicInteger hits = new AtomicInteger();
    private Path archiveRecipe;
    private Path gitRecipe;
    private Path shared;

    @BeforeEach
    void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/dl/pgdemo-1.0.0.tar.gz", exchange -> {
            hits.incrementAndGet();
            exchange.sendResponseHeaders(200, TARBALL.length);
            exchange.getResponseBody().write(TARBALL);
            exchange.close();
        });
        server.start();

        // an upstream git repository with two releases, in a mirror of its own (as ../shared/sources is)
        Path upstream = Files.createDirectories(tmp.resolve("upstream"));
        git(upstream, "init", "-q", "-b", "main");
        String v1 = commit(upstream, "pggit--1.0.sql", "1.0");
        String v2 = commit(upstream, "pggit--1.1.sql", "1.1");
        shared = tmp.resolve("shared");
        Files.createDirectories(shared.resolve("git.example.org/acme"));
        git(upstream, "bundle", "create", "-q", shared.resolve("git.example.org/acme/pggit.bundle").toString(), "--all");

        archiveRecipe = recipe("pgdemo", """
                name: pgdemo
                version: 1.0.0
                license: PostgreSQL
                source:
                  url: http://127.0.0.1:%d/dl/pgdemo-1.0.0.tar.gz
                  sha256: %s
                test:
                  sql: SELECT 1 AS one;
                """.formatted(server.getAddress().getPort(), SHA));
        gitRecipe = recipe("pggit", """
                name: pggit
                license: PostgreSQL
                variants:
                  - pg: [15]
                    version: "1.0"
                    source:
                      git: https://git.example.org/acme/pggit.git
                      commit: %s
                      tag: "1.0"
                  - pg: [17, 18]
                    version: "1.1"
                    source:
                      git: https://git.example.org/acme/pggit
                      commit: %s
                      tag: "1.1"
                test:
                  sql: SELECT 1 AS one;
                """.formatted(v1, v2));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Path recipe(String name, String yaml) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("recipes").resolve(name));
        Files.writeString(dir.resolve("recipe.yaml"), yaml);
        return dir;
    }

    private static String commit(Path repo, String file, String tag) throws Exception {
        Files.writeString(repo.resolve(file), "SELECT '" + tag + "';\n");
        git(repo, "add", "-A");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", tag);
        git(repo, "tag", tag);
        return git(repo, "rev-parse", "HEAD").strip();
    }

    /** The environment of a command: these source mirrors (and the upstream on 127.0.0.1 allowed, when online). */
    private static Map<String, String> env(Path mirrors, boolean online) {
        Map<String, String> env = new HashMap<>();
        env.put("EXTFARM_SOURCE_MIRRORS", mirrors.toString());
        env.put("EXTFARM_SOURCE_ALLOW", online ? "127.0.0.1" : null);
        return env;
    }

    private CliRun.Result mirror(Map<String, String> env, Path dir) {
        return CliRun.withEnv(env, "sources", "mirror", dir.toString(), archiveRecipe.toString(), gitRecipe.toString());
    }

    @Test
    void anEmptyDirectoryBecomesAMirrorThatAFarmWithoutNetworkUses() throws Exception {
        Path dir = tmp.resolve("usb/sources");
        CliRun.Result first = mirror(env(shared, true), dir);
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.out()).contains("pgdemo 1.0.0: sha256/" + SHA + " stored (" + TARBALL.length + " bytes)")
                .contains("pggit 1.0, pggit 1.1: git.example.org/acme/pggit.bundle stored (2 commit(s)")
                .contains(dir.toAbsolutePath() + ": 1 archive(s), 1 git repository (2 commit(s)): 2 stored, 0 kept, 0 failed.")
                .contains("./extfarm up --source-mirror " + dir.toAbsolutePath());
        assertThat(Files.readAllBytes(dir.resolve("sha256").resolve(SHA))).isEqualTo(TARBALL);
        assertThat(dir.resolve("git.example.org/acme/pggit.bundle")).isRegularFile();
        assertThat(hits.get()).isEqualTo(1);

        // again: everything is kept, nothing downloaded
        CliRun.Result again = mirror(env(shared, true), dir);
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).contains("sha256/" + SHA + " kept").contains("pggit.bundle kept").contains("0 stored, 2 kept, 0 failed");
        assertThat(hits.get()).isEqualTo(1);

        // the network gone: a farm fetches every source (both variants' commits) from the new mirror alone
        server.stop(0);
        CliRun.Result offline = CliRun.withEnv(env(dir, false), "recipe", "fetch", archiveRecipe.toString(), gitRecipe.toString(),
                "--cache", tmp.resolve("worker-cache").toString());
        assertThat(offline.code()).as(offline.toString()).isZero();
        assertThat(offline.out()).contains("pgdemo 1.0.0: " + SHA).contains("pggit 1.0: ").contains("pggit 1.1: ");

        // mirror to mirror, offline
        Path copy = tmp.resolve("copy");
        CliRun.Result copied = mirror(env(dir, false), copy);
        assertThat(copied.code()).as(copied.toString()).isZero();
        assertThat(copied.out()).contains("2 stored, 0 kept, 0 failed");
        assertThat(Files.readAllBytes(copy.resolve("sha256").resolve(SHA))).isEqualTo(TARBALL);
    }

    @Test
    void aTamperedMirrorFileIsRefusedAndNotKept() throws Exception {
        Path dir = tmp.resolve("mirror");
        assertThat(mirror(env(shared, true), dir).code()).isZero();
        server.stop(0);
        Files.writeString(dir.resolve("sha256").resolve(SHA), "something else\n");

        // the upstream's address allowed, but nothing answers there any more
        CliRun.Result fetch = CliRun.withEnv(env(dir, true), "recipe", "fetch", archiveRecipe.toString(),
                "--cache", tmp.resolve("worker-cache").toString());
        assertThat(fetch.code()).isEqualTo(1);
        assertThat(fetch.err()).contains("source-unavailable").contains("not the one its name says; not used");
        assertThat(tmp.resolve("worker-cache/sha256").resolve(SHA)).doesNotExist();

        CliRun.Result again = mirror(env(shared, true), dir);
        assertThat(again.code()).as("the tampered file is not kept, and the upstream is gone").isEqualTo(1);
        assertThat(again.err()).contains("pgdemo 1.0.0: source-unavailable");
        assertThat(again.out()).contains("pggit.bundle kept").contains("0 stored, 1 kept, 1 failed");
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
