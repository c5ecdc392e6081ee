package dev.extfarm.fetcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * Builds C modules with PGXS for the pg_extfarm tests: {@code fetcher/pg_extfarm} itself, and
 * small C extensions that go into bundles; for PostgreSQL 15 with this machine's
 * postgresql-server-dev-15, for 17/18 in a container of the target's build image. (These tests
 * live in {@code pgmodule/} but in package {@code dev.extfarm.fetcher}, to reuse the
 * package-private {@link Node}, {@link RealPostgres} and {@link Bundles}.)
 */
final class PgModules {

    static final Path PG_CONFIG = Path.of("/usr/lib/postgresql/15/bin/pg_config");
    private static final Map<Integer, Path> EXTFARM_SO = new HashMap<>();

    private PgModules() {
    }

    static boolean available() {
        return RealPostgres.available() && PgTarget.localHeaders();
    }

    /** {@code make USE_PGXS=1} of {@code fetcher/pg_extfarm} in a temp copy for this target; the .so, once per JVM and major. */
    static synchronized Path pgExtfarm(PgTarget target) throws Exception {
        Path so = EXTFARM_SO.get(target.major());
        if (so == null) {
            Path src = Path.of("pg_extfarm").toAbsolutePath();
            Path dir = Files.createTempDirectory("pg_extfarm-build-");
            for (String f : List.of("Makefile", "pg_extfarm.c", "pg_extfarm.control", "pg_extfarm--1.0.sql")) {
                Files.copy(src.resolve(f), dir.resolve(f));
            }
            so = make(target, dir, "pg_extfarm");
            EXTFARM_SO.put(target.major(), so);
        }
        return so;
    }

    /** Installs pg_extfarm.so, built for the node's PostgreSQL, into its lib directory. */
    static void install(PgTarget target, RealPostgres pg) throws Exception {
        Files.copy(pgExtfarm(target), pg.lib.resolve("pg_extfarm.so"), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A C extension {@code name} with a base type {@code name} (int4 inside) and a function
     * {@code name_plus(name, int)}; returns the built .so. SQL: {@link #typeSql}.
     */
    static Path typeExtension(PgTarget target, Path base, String name) throws Exception {
        Path dir = Files.createTempDirectory(base, "cext-");
        Files.writeString(dir.resolve(name + ".c"), """
                #include "postgres.h"
                #include "fmgr.h"
                #include "utils/builtins.h"
                PG_MODULE_MAGIC;
                PG_FUNCTION_INFO_V1(NAME_in);
                PG_FUNCTION_INFO_V1(NAME_out);
                PG_FUNCTION_INFO_V1(NAME_plus);
                Datum NAME_in(PG_FUNCTION_ARGS) { return DirectFunctionCall1(int4in, PG_GETARG_DATUM(0)); }
                Datum NAME_out(PG_FUNCTION_ARGS) { return DirectFunctionCall1(int4out, PG_GETARG_DATUM(0)); }
                Datum NAME_plus(PG_FUNCTION_ARGS) { PG_RETURN_INT32(PG_GETARG_INT32(0) + PG_GETARG_INT32(1)); }
                """.replace("NAME", name), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("Makefile"), "MODULES = " + name + "\nPG_CONFIG ?= pg_config\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n");
        return make(target, dir, name);
    }

    /**
     * Plain libraries (no extension) for the preload tests, built in one {@code make}: each
     * defines the setting {@code <name>.loaded = 'yes'} in its {@code _PG_init}, so {@code SHOW
     * <name>.loaded} answers only in a session that loaded it. Returns name → built .so.
     */
    static Map<String, Path> loadedMarkerLibraries(PgTarget target, Path base, List<String> names) throws Exception {
        Path dir = Files.createTempDirectory(base, "preload-");
        for (String name : names) {
            Files.writeString(dir.resolve(name + ".c"), """
                    #include "postgres.h"
                    #include "fmgr.h"
                    #include "utils/guc.h"
                    PG_MODULE_MAGIC;
                    void _PG_init(void);
                    static char *loaded = NULL;
                    void _PG_init(void)
                    {
                        DefineCustomStringVariable("NAME.loaded", "set once NAME is loaded", NULL, &loaded, "yes",
                                                   PGC_USERSET, 0, NULL, NULL, NULL);
                    }
                    """.replace("NAME", name), StandardCharsets.UTF_8);
        }
        Files.writeString(dir.resolve("Makefile"), "MODULES = " + String.join(" ", names)
                + "\nPG_CONFIG ?= pg_config\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n");
        make(target, dir, names.get(0));
        Map<String, Path> out = new java.util.LinkedHashMap<>();
        names.forEach(n -> out.put(n, dir.resolve(n + ".so")));
        return out;
    }

    /** A bundle carrying the SQL extension {@code name} and the library {@code lib/<name>.so}, providing library {@code name}. */
    static Path libraryBundle(PgTarget target, Path tmp, String name, Path so) throws Exception {
        return sql(target, tmp, name).libraries(name).copy("lib/" + name + ".so", so).pack();
    }

    /** A C module {@code name}.so built from this source (one file, {@code name}.c) with PGXS for the target. */
    static Path cModule(PgTarget target, Path base, String name, String source) throws Exception {
        Path dir = Files.createTempDirectory(base, "cmod-");
        Files.writeString(dir.resolve(name + ".c"), source, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("Makefile"), "MODULES = " + name + "\nPG_CONFIG ?= pg_config\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n");
        return make(target, dir, name);
    }

    static String typeSql(String name) {
        return ("CREATE TYPE @N@;\n"
                + "CREATE FUNCTION @N@_in(cstring) RETURNS @N@ AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;\n"
                + "CREATE FUNCTION @N@_out(@N@) RETURNS cstring AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;\n"
                + "CREATE TYPE @N@ (INPUT = @N@_in, OUTPUT = @N@_out, LIKE = int4);\n"
                + "CREATE FUNCTION @N@_plus(@N@, int) RETURNS int AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;\n")
                .replace("@N@", name);
    }

    /** A bundle carrying the C type extension {@code name}: control, SQL and lib/{@code name}.so. */
    static Path typeBundle(PgTarget target, Path tmp, String name) throws Exception {
        Path so = typeExtension(target, tmp, name);
        return sql(target, tmp, name).libraries(name)
                .file("share/extension/" + name + ".control", "comment = 'C type " + name + "'\ndefault_version = '1.0'\nmodule_pathname = '"
                        + name + "'\nrelocatable = true\n")
                .file("share/extension/" + name + "--1.0.sql", typeSql(name))
                .copy("lib/" + name + ".so", so).pack();
    }

    /** An SQL-only test bundle whose manifest names this target's PostgreSQL major and platform. */
    static Bundles sql(PgTarget target, Path tmp, String name) {
        return Bundles.sql(tmp, name).target(target.major(), target.platform());
    }

    private static Path make(PgTarget target, Path dir, String name) throws Exception {
        String out = target.local() ? makeHere(dir) : makeInBuildImage(target, dir);
        if (name.equals("pg_extfarm") && out.contains("warning:")) {
            throw new IOException("pg_extfarm compiles with warnings for PostgreSQL " + target.major() + ":\n" + out);
        }
        return dir.resolve(name + ".so");
    }

    private static String makeHere(Path dir) throws Exception {
        Process p = new ProcessBuilder("make", "-C", dir.toString(), "USE_PGXS=1", "with_llvm=no", "PG_CONFIG=" + PG_CONFIG)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("make in " + dir + " failed:\n" + out);
        }
        return out;
    }

    /** make in a one-shot container of the build image (no network), the directory bind-mounted at its own path. */
    private static String makeInBuildImage(PgTarget target, Path dir) throws Exception {
        String image = target.image("build");
        String make = "make -C " + dir + " USE_PGXS=1 with_llvm=no PG_CONFIG=/usr/lib/postgresql/" + target.major() + "/bin/pg_config";
        try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("none")
                .withCreateContainerCmdModifier(cmd -> ContainerRunner.bindSamePath(cmd, dir))
                .withCommand("sh", "-c", make + " > " + dir + "/make.log 2>&1; echo $? > " + dir + "/make.rc")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(3)))) {
            c.start();
        }
        String out = Files.readString(dir.resolve("make.log"));
        if (!Files.readString(dir.resolve("make.rc")).strip().equals("0")) {
            throw new IOException(make + " in " + image + " failed:\n" + out);
        }
        return out;
    }
}
