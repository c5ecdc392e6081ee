package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.report.FetchException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 item 7 on a real PostgreSQL 15: a library bundle (no control file; auto_explain's real
 * module, taken out of the relocated copy) is found by its library and LOADs; a bundle's bin/
 * program lands in PostgreSQL's bindir, where a user finds it, and runs; a bundle whose bin/ would
 * replace one of PostgreSQL's own programs is refused and changes nothing.
 */
class LibraryAndProgramBundlesTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void aLibraryBundleIsInstalledByItsLibraryAndLoads() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            Path so = node.pg.lib.resolve("auto_explain.so");
            Bundles b = Bundles.sql(tmp, "auto_explain").version("15").libraryOnly().libraries("auto_explain")
                    .copy("lib/auto_explain.so", so);
            Files.delete(so);
            registry.publish(b.pack());
            Fetcher f = node.fetcher(registry);
            f.prepare();
            assertThat(node.extension("auto_explain.control")).as("nothing to list: no control file").doesNotExist();

            assertThat(f.requestLibrary("auto_explain", WAIT).state()).isEqualTo("installed");
            assertThat(so).exists();
            assertThat(node.extension("auto_explain.control")).doesNotExist();
            node.pg.start();
            assertThat(node.pg.sql("LOAD 'auto_explain'; SHOW auto_explain.log_min_duration")).endsWith("-1");
            assertThat(node.problems(f)).isEmpty();
        }
    }

    @Test
    void aProgramGoesIntoTheBindirAndNeverReplacesPostgresqlsOwn() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            // a real ELF program that needs libpq from the system, as pg_repack's client does
            registry.publish(Bundles.sql(tmp, "tools").copy("bin/tools_isready", node.pg.bin.resolve("pg_isready")).pack());
            registry.publish(Bundles.sql(tmp, "shadow_psql").file("bin/psql", "#!/bin/sh\necho pwned\n").pack());
            byte[] psql = Files.readAllBytes(node.pg.bin.resolve("psql"));
            Fetcher f = node.fetcher(registry);
            f.prepare();

            assertThat(f.requestExtension("tools", WAIT).state()).isEqualTo("installed");
            Path program = node.pg.bin.resolve("tools_isready");
            assertThat(Files.isExecutable(program)).isTrue();
            Process p = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).startsWith("tools_isready (PostgreSQL) 15"); // the program names itself after argv[0]

            assertThatThrownBy(() -> f.requestExtension("shadow_psql", WAIT)).isInstanceOfSatisfying(FetchException.class,
                    e -> { assertThat(e.code()).isEqualTo("file-conflict"); assertThat(e.getMessage()).contains(node.pg.bin.resolve("psql").toString()); });
            assertThat(Files.readAllBytes(node.pg.bin.resolve("psql"))).isEqualTo(psql);
            assertThat(node.extension("shadow_psql--1.0.sql")).doesNotExist();
        }
    }
}
