package dev.extfarm.worker.farm;

import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Recipes for the failure causes no real extension gives us, all built on the tiny C extension
 * under src/test/resources/fixtures/hello_c, served to the worker by a {@link SourceServer} on
 * 127.0.0.1 (which the farm reaches only through its source allow list).
 */
final class FixtureRecipes {

    /** {@code step == null}: expected to succeed. */
    record Fixture(String name, Path dir, String step, String cause) {
    }

    private FixtureRecipes() {
    }

    static List<Fixture> all(Path work, SourceServer upstream) throws Exception {
        URI src = upstream.serve(tarball(work, "hello_c", ""));
        URI bad = upstream.serve(tarball(work, "hello_c-broken", "this is not C;\n"));
        List<Fixture> out = new ArrayList<>();
        out.add(recipe(work, "fixture-ok", src, "", null, null));
        out.add(withPatch(recipe(work, "fixture-patch", src, "  patches: [bad.patch]\n", "patch", "patch-rejected")));
        out.add(recipe(work, "fixture-compile", bad, "", "build", "compile-error"));
        out.add(recipe(work, "fixture-header", src, "  pre_build: |\n    sed -i '1i #include <extfarm_missing.h>' hello_c.c\n",
                "build", "missing-build-dependency"));
        out.add(recipe(work, "fixture-network", src, "  pre_build: exec 3<>/dev/tcp/deb.debian.org/80\n", "pre-build", "network-access"));
        out.add(recipe(work, "fixture-timeout", src, "  pre_build: sleep 600\n", "pre-build", "timeout"));
        out.add(recipe(work, "fixture-oom", src, "  pre_build: head -c 3000000000 /dev/zero | tail -n 1 > /dev/null\n",
                "pre-build", "out-of-memory"));
        out.add(recipe(work, "fixture-checksum", src, "", "verify-source", "checksum-mismatch", "0".repeat(64)));
        return out;
    }

    /**
     * A build that sleeps: its own extension, hello_slow (hello_c renamed), since the first published
     * bundle carrying hello_c owns that name and another extension's bundle carrying it is refused.
     */
    static Fixture slow(Path work, SourceServer upstream, int seconds) throws Exception {
        URI src = upstream.serve(tarball(work, "hello_slow", "", "hello_slow"));
        Fixture f = recipe(work, "fixture-slow", src, "  pre_build: sleep " + seconds + "\n", null, null);
        Path yaml = f.dir().resolve("recipe.yaml");
        Files.writeString(yaml, Files.readString(yaml).replace("SELECT hello_c();", "SELECT hello_slow();"));
        return f;
    }

    private static Fixture withPatch(Fixture f) throws IOException {
        Files.createDirectories(f.dir().resolve("patches"));
        Files.writeString(f.dir().resolve("patches/bad.patch"),
                "--- a/hello_c.c\n+++ b/hello_c.c\n@@ -1,2 +1,2 @@\n-#include \"nothere.h\"\n+#include \"other.h\"\n #include \"fmgr.h\"\n");
        return f;
    }

    static Fixture recipe(Path work, String name, URI source, String build, String step, String cause) throws Exception {
        return recipe(work, name, source, build, step, cause, null);
    }

    static Fixture recipe(Path work, String name, URI source, String build, String step, String cause, String sha) throws Exception {
        Path dir = work.resolve(name);
        Files.createDirectories(dir);
        String hex = sha != null ? sha : Digests.sha256(work.resolve(Path.of(source.getPath()).getFileName()));
        Files.writeString(dir.resolve("recipe.yaml"), "name: " + name + "\nversion: 1.0.0\nlicense: PostgreSQL\n"
                + "description: test fixture\nsource:\n  url: " + source + "\n  sha256: " + hex + "\n"
                + "pg: [15]\n" + (build.isEmpty() ? "" : "build:\n" + build)
                + "test:\n  sql: SELECT hello_c();\n");
        return new Fixture(name, dir, step, cause);
    }

    static Path tarball(Path work, String top, String appendToC) throws Exception {
        return tarball(work, top, appendToC, "hello_c");
    }

    /** The hello_c fixture as extension {@code extension} (every "hello_c" in its names and files replaced). */
    static Path tarball(Path work, String top, String appendToC, String extension) throws Exception {
        Path tree = work.resolve("src-" + top);
        Path dir = tree.resolve(top);
        Files.createDirectories(dir);
        for (String f : List.of("hello_c.c", "hello_c.control", "hello_c--1.0.sql", "Makefile", "LICENSE")) {
            String text = Files.readString(Path.of("src/test/resources/fixtures/hello_c", f)).replace("hello_c", extension);
            Files.writeString(dir.resolve(f.replace("hello_c", extension)), text);
        }
        if (!appendToC.isEmpty()) {
            Files.writeString(dir.resolve(extension + ".c"), appendToC, java.nio.file.StandardOpenOption.APPEND);
        }
        Path tar = work.resolve(top + ".tar.gz");
        Process p = new ProcessBuilder("tar", "-C", tree.toString(), "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                "-czf", tar.toString(), top).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("tar failed");
        }
        return tar;
    }
}
