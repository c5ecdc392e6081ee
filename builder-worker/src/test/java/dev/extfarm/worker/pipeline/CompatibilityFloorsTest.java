package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.extfarm.bundle.Compatibility;
import dev.extfarm.bundle.elf.ElfDynamic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which imports are server symbols, on real ELF files of this machine's PostgreSQL 15 laid out as
 * a bundle: a module's imports that postgres exports are; one a bundled library of the bundle
 * defines is not (it resolves there); a program's are not (pg_restore imports {@code lo_write}
 * from libpq, which postgres exports too, but a program is never loaded into the server); the
 * glibc floor covers programs too.
 */
class CompatibilityFloorsTest {

    static final Path PG = Path.of("/usr/lib/postgresql/15");

    @TempDir
    Path tree;

    @Test
    void modulesImportsThatPostgresExportsMinusWhatTheBundleDefines() throws Exception {
        assumeTrue(Files.isRegularFile(PG.resolve("bin/postgres")), "PostgreSQL 15 server binaries");
        Path module = Files.createDirectories(tree.resolve("lib")).resolve("auto_explain.so");
        Files.copy(PG.resolve("lib/auto_explain.so"), module);
        Path program = Files.createDirectories(tree.resolve("bin")).resolve("pg_restore");
        Files.copy(PG.resolve("bin/pg_restore"), program);
        // a bundled library that happens to define one of the module's imports
        Path c = tree.getParent().resolve("helper-" + System.nanoTime() + ".c");
        Files.writeString(c, "void ExplainPrintPlan(void *es, void *qd) { (void) es; (void) qd; }\n");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", tree.resolve("lib/libhelper.so.1").toString(), c.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0).as(out).isTrue();

        Set<String> exports = ElfDynamic.read(PG.resolve("bin/postgres")).orElseThrow().exports();
        Compatibility floors = CompatibilityFloors.of(tree, new CompatibilityFloors.Server("15.20", exports));

        Set<String> expected = new TreeSet<>(ElfDynamic.read(module).orElseThrow().imports());
        expected.retainAll(exports);
        expected.remove("ExplainPrintPlan");
        assertThat(floors.builtAgainst()).isEqualTo("15.20");
        assertThat(floors.serverSymbols()).containsExactlyElementsOf(expected).contains("ExecutorStart_hook")
                .doesNotContain("ExplainPrintPlan", "lo_write");
        assertThat(ElfDynamic.read(program).orElseThrow().imports()).as("the program's import postgres also exports").contains("lo_write");
        assertThat(exports).contains("lo_write", "ExplainPrintPlan");

        Set<String> versions = new TreeSet<>();
        for (Path f : new Path[] {module, program, tree.resolve("lib/libhelper.so.1")}) {
            versions.addAll(ElfDynamic.read(f).orElseThrow().versionsNeeded());
        }
        assertThat(floors.glibc()).isEqualTo(Compatibility.newestGlibc(versions).orElseThrow());
    }

    @Test
    void theBuildImagesPgConfigVersionIsParsedAndAShortSymbolListRefused() throws Exception {
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of("PostgreSQL 15.20 (Debian 15.20-0+deb12u1)"));
        for (int i = 0; i < 1200; i++) {
            lines.add("0000000000123456 T sym" + i);
        }
        lines.add("0000000000123456 T versioned@@V1");
        CompatibilityFloors.Server s = CompatibilityFloors.parse(lines, 15);
        assertThat(s.version()).isEqualTo("15.20");
        assertThat(s.exports()).contains("sym0", "versioned").hasSize(1201);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompatibilityFloors.parse(lines, 17))
                .hasMessageContaining("not PostgreSQL 17");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompatibilityFloors.parse(lines.subList(0, 10), 15))
                .hasMessageContaining("only 9 symbols");
    }
}
