package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pg_dump of a database using three extensions (two SQL, one C type with a table of it),
 * restored with psql on a fresh node whose fetcher only has control files: the dump's
 * CREATE EXTENSION statements install them through pg_extfarm.
 */
class DumpRestoreTest {

    @TempDir
    Path tmp;

    @Test
    void aDumpRestoredOnAFreshNodeInstallsItsExtensionsThroughTheModule() throws Exception {
        Assumptions.assumeTrue(PgModules.available(), "PostgreSQL 15 server + headers (postgresql-server-dev-15) needed");
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node source = new Node(); Node fresh = new Node()) {
            registry.publish(Bundles.sql(tmp, "dumpa").pack());
            registry.publish(Bundles.sql(tmp, "dumpb").pack());
            registry.publish(PgModules.typeBundle(tmp, "dumpc"));
            Path dump = tmp.resolve("dump.sql");
            Files.createFile(dump);
            new ProcessBuilder("chmod", "0666", dump.toString()).start().waitFor();

            PgModules.install(source.pg);
            Fetcher f1 = source.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f1))) {
                int port = endpoint.listen(0);
                f1.prepare();
                source.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                source.pg.sql("CREATE EXTENSION dumpa; CREATE EXTENSION dumpb; CREATE EXTENSION dumpc;"
                        + " CREATE TABLE t (x dumpc, v text DEFAULT dumpa_version() || dumpb_version()); INSERT INTO t (x) VALUES ('7'), ('8')");
                run(List.of(source.pg.bin.resolve("pg_dump").toString(), "-h", source.pg.socketDir.toString(), "-p",
                        Integer.toString(source.pg.port), "-U", "postgres", "-f", dump.toString(), "postgres"));
                source.pg.stop();
            }
            assertThat(Files.readString(dump)).contains("CREATE EXTENSION IF NOT EXISTS dumpc");

            PgModules.install(fresh.pg);
            Fetcher f2 = fresh.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f2))) {
                int port = endpoint.listen(0);
                f2.prepare(); // control files only
                for (String e : List.of("dumpa", "dumpb", "dumpc")) {
                    assertThat(fresh.marker(e)).doesNotExist();
                }
                fresh.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                long t0 = System.nanoTime();
                run(List.of(fresh.pg.bin.resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", fresh.pg.socketDir.toString(),
                        "-p", Integer.toString(fresh.pg.port), "-U", "postgres", "-d", "postgres", "-f", dump.toString()));
                System.out.println("restore with 3 extensions fetched: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                for (String e : List.of("dumpa", "dumpb", "dumpc")) {
                    assertThat(fresh.marker(e)).exists();
                    assertThat(f2.state().get(e).orElseThrow().installed()).isTrue();
                }
                assertThat(fresh.pg.sql("SELECT string_agg(x::text || ':' || v, ',' ORDER BY x::text) FROM t")).isEqualTo("7:1.01.0,8:1.01.0");
                assertThat(fresh.pg.sql("SELECT dumpc_plus(x, 1) FROM t ORDER BY 1")).isEqualTo("8\n9");
                fresh.pg.stop();
            }
        }
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
    }
}
