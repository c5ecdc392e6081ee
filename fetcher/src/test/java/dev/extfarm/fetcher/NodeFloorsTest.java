package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.Compatibility;
import dev.extfarm.bundle.elf.ElfDynamic;
import dev.extfarm.fetcher.report.FetchException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 on a real PostgreSQL 15: before installing, the fetcher checks a bundle's compatibility
 * floors against the node. The modules are real, compiled here with gcc against PostgreSQL's
 * headers, and their floors are read from their own ELF data as the builder reads them: a module
 * that imports a server function this server does not export ({@code heap_datum_check_v2}, as a
 * module built against a newer minor does) is refused with {@code incompatible-server}, naming the
 * symbol and the minimum version, and nothing of it is installed; one needing a newer glibc than
 * the node's is refused with {@code incompatible-libc}; a compatible one installs and loads.
 */
class NodeFloorsTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /**
     * A module {@code name}.so whose function {@code name(int)} runs {@code body} after a check that
     * calls the server's error functions and libc's {@code getpid}; compiled with gcc.
     */
    private Path module(String name, String declarations, String body) throws Exception {
        Path c = tmp.resolve(name + ".c");
        Files.writeString(c, "#include \"postgres.h\"\n#include \"fmgr.h\"\n#include <unistd.h>\nPG_MODULE_MAGIC;\n"
                + declarations + "\nPG_FUNCTION_INFO_V1(" + name + ");\nDatum " + name + "(PG_FUNCTION_ARGS) {\n"
                + "    if (PG_GETARG_INT32(0) < 0) elog(ERROR, \"negative in %d\", (int) getpid());\n" + body + "\n}\n");
        String include = run("/usr/lib/postgresql/15/bin/pg_config", "--includedir-server").strip();
        Path so = tmp.resolve(name + ".so");
        run("gcc", "-shared", "-fPIC", "-O1", "-I" + include, "-o", so.toString(), c.toString());
        return so;
    }

    /** The floors as the builder records them, from the module's own ELF data. */
    private static Compatibility floorsOf(Path so, String builtAgainst) throws Exception {
        ElfDynamic d = ElfDynamic.read(so).orElseThrow();
        return new Compatibility(builtAgainst, Compatibility.newestGlibc(d.versionsNeeded()).orElse(null), new ArrayList<>(d.imports()));
    }

    private static Bundles cBundle(Path dir, String name, Path so) throws Exception {
        return Bundles.sql(dir, name).libraries(name).copy("lib/" + name + ".so", so)
                .file("share/extension/" + name + "--1.0.sql", "CREATE FUNCTION " + name + "(int) RETURNS int AS '" + name
                        + "' LANGUAGE C STRICT;\n");
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + out).isZero();
        return out;
    }

    private static void assertNothingOf(Node node, String name) throws Exception {
        assertThat(Files.exists(node.marker(name))).as("marker of " + name).isFalse();
        assertThat(node.filesOf(name + "--")).as("SQL scripts of " + name).isEmpty();
        assertThat(node.filesOf(name + ".so")).as("module of " + name).isEmpty();
        assertThat(node.strayTempFiles()).isEmpty();
        try (var s = Files.list(node.state.resolve("staging"))) {
            assertThat(s.toList()).as("staging").isEmpty();
        }
    }

    @Test
    void aModuleImportingWhatTheServerDoesNotExportIsRefusedNamingTheSymbol() throws Exception {
        Path bad = module("floors_bad", "extern int32 heap_datum_check_v2(int32 v);", "PG_RETURN_INT32(heap_datum_check_v2(PG_GETARG_INT32(0)));");
        Path good = module("floors_ok", "", "PG_RETURN_INT32(PG_GETARG_INT32(0) + 1);");
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            String server = run(node.pg.bin.resolve("postgres").toString(), "--version").strip(); // postgres (PostgreSQL) 15.20 (Debian ...)
            String version = server.split("\\s+")[2];
            Compatibility badFloors = floorsOf(bad, "15.99");
            assertThat(badFloors.serverSymbols()).as("read from the module itself").contains("heap_datum_check_v2", "errfinish")
                    .doesNotContain("floors_bad", "getpid");
            registry.publish(cBundle(tmp, "floors_bad", bad).compatibility(badFloors).pack());
            registry.publish(cBundle(tmp, "floors_ok", good).compatibility(floorsOf(good, version)).pack());
            Fetcher f = node.fetcher(registry);
            f.prepare();

            assertThatThrownBy(() -> f.requestExtension("floors_bad", WAIT)).isInstanceOfSatisfying(FetchException.class, e -> {
                assertThat(e.code()).isEqualTo("incompatible-server");
                assertThat(e.kind()).isEqualTo(FetchException.Kind.MISSING_DEPENDENCY);
                assertThat(e.getMessage()).startsWith("floors_bad 1.0 needs PostgreSQL 15.99 or later (built against 15.99; this server is "
                        + version + " and does not export heap_datum_check_v2)").contains("nothing was installed");
            });
            assertNothingOf(node, "floors_bad");
            assertThat(String.valueOf(f.status())).contains("incompatible-server");

            assertThat(f.requestExtension("floors_ok", WAIT).state()).isEqualTo("installed");
            node.pg.start();
            assertThat(node.pg.sql("CREATE EXTENSION floors_ok; SELECT floors_ok(41)")).isEqualTo("42");
            assertThat(node.problems(f)).isEmpty();
        }
    }

    @Test
    void aBundleNeedingANewerGlibcThanTheNodesIsRefused() throws Exception {
        Path so = module("floors_libc", "", "PG_RETURN_INT32(PG_GETARG_INT32(0));");
        Compatibility real = floorsOf(so, "15.1");
        assertThat(real.glibc()).as("gcc's output needs some glibc version").startsWith("GLIBC_2.");
        String ldd = run("ldd", "--version").lines().findFirst().orElseThrow(); // ldd (Debian GLIBC 2.36-9+deb12u14) 2.36
        String nodeGlibc = ldd.substring(ldd.lastIndexOf(' ') + 1);
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(cBundle(tmp, "floors_libc", so)
                    .compatibility(new Compatibility("15.1", "GLIBC_2.99", real.serverSymbols())).pack());
            registry.publish(cBundle(tmp, "floors_libc_ok", module("floors_libc_ok", "", "PG_RETURN_INT32(PG_GETARG_INT32(0));"))
                    .compatibility(real).pack());
            Fetcher f = node.fetcher(registry);
            f.prepare();

            assertThatThrownBy(() -> f.requestExtension("floors_libc", WAIT)).isInstanceOfSatisfying(FetchException.class, e -> {
                assertThat(e.code()).isEqualTo("incompatible-libc");
                assertThat(e.getMessage()).startsWith("floors_libc 1.0 needs glibc 2.99 or later (its ELF files need GLIBC_2.99; "
                        + "this node's C library is glibc " + nodeGlibc + ")").contains("nothing was installed");
            });
            assertNothingOf(node, "floors_libc");
            assertThat(f.requestExtension("floors_libc_ok", WAIT).state()).as("the module's real glibc floor is met").isEqualTo("installed");
        }
    }
}
