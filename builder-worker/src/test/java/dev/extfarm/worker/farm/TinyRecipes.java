package dev.extfarm.worker.farm;

import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Cheap real builds for the fault suites: a pure-SQL extension (control file, one script, a PGXS
 * Makefile) under a name of the test's choosing, packed as its own source tarball that travels
 * with the recipe ({@code source.bundled}). Each still goes through the real worker: Docker build,
 * bundle, smoke test (CREATE EXTENSION and a call in a clean runtime container), upload, completion.
 */
final class TinyRecipes {

    private TinyRecipes() {
    }

    /** A recipe directory for extension {@code name} ({@code [a-z][a-z0-9_]*}: it is also a SQL identifier prefix). */
    static Path sqlOnly(Path work, String name) throws Exception {
        return sqlOnly(work, name, "", "CREATE FUNCTION " + name + "_answer() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 42';\n",
                "SELECT " + name + "_answer();", null);
    }

    /**
     * The same with a control file's {@code requires} (empty: none), the install script, the test
     * SQL and the answer it must print ({@code test.expect}; null: none).
     */
    static Path sqlOnly(Path work, String name, String requires, String script, String testSql, String expect) throws Exception {
        Path tree = work.resolve("src-" + name);
        Path src = Files.createDirectories(tree.resolve(name));
        Files.writeString(src.resolve("Makefile"), "EXTENSION = " + name + "\nDATA = " + name + "--1.0.sql\n"
                + "PG_CONFIG ?= pg_config\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n");
        Files.writeString(src.resolve(name + ".control"), "comment = 'fault-suite extension " + name + "'\n"
                + "default_version = '1.0'\nrelocatable = true\n" + (requires.isEmpty() ? "" : "requires = '" + requires + "'\n"));
        Files.writeString(src.resolve(name + "--1.0.sql"), script);
        Files.writeString(src.resolve("LICENSE"), "PostgreSQL License\n");
        Path dir = Files.createDirectories(work.resolve("recipe-" + name));
        Path tar = Files.createDirectories(dir.resolve("source")).resolve(name + ".tar.gz");
        Process p = new ProcessBuilder("tar", "-C", tree.toString(), "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                "-czf", tar.toString(), name).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IOException("tar failed for " + name);
        }
        Files.writeString(dir.resolve("recipe.yaml"), "name: " + name + "\nversion: 1.0.0\nlicense: PostgreSQL\n"
                + "description: fault-suite extension\nsource:\n  bundled: " + tar.getFileName() + "\n  sha256: "
                + Digests.sha256(tar) + "\n" + "pg: [15]\ntest:\n  sql: \"" + testSql.replace("\"", "\\\"") + "\"\n"
                + (expect == null ? "" : "  expect: \"" + expect + "\"\n"));
        return dir;
    }
}
