package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * pg_dump of a database using three extensions (two SQL, one C type with a table of it),
 * restored with psql on a fresh node whose fetcher only has control files: the dump's
 * CREATE EXTENSION statements install them through pg_extfarm.
 */
class DumpRestoreTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#allOutsideCi")
    void aDumpRestoredOnAFreshNodeInstallsItsExtensionsThroughTheModule(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform());
                Node source = new Node(target); Node fresh = new Node(target)) {
            registry.publish(PgModules.sql(target, tmp, "dumpa").pack());
            registry.publish(PgModules.sql(target, tmp, "dumpb").pack());
            registry.publish(PgModules.typeBundle(target, tmp, "dumpc"));
            // each node's directory is what its PostgreSQL sees (bind-mounted into a container on 17/18)
            Path dump = source.dir.resolve("dump.sql");
            Path restore = fresh.dir.resolve("dump.sql");

            PgModules.install(target, source.pg);
            Fetcher f1 = source.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f1))) {
                int port = endpoint.listen(0);
                f1.prepare();
                source.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                source.pg.sql("CREATE EXTENSION dumpa; CREATE EXTENSION dumpb; CREATE EXTENSION dumpc;"
                        + " CREATE TABLE t (x dumpc, v text DEFAULT dumpa_version() || dumpb_version()); INSERT INTO t (x) VALUES ('7'), ('8')");
                source.pg.tool("pg_dump", "-f", dump.toString(), "postgres");
                source.pg.stop();
            }
            assertThat(Files.readString(dump)).contains("CREATE EXTENSION IF NOT EXISTS dumpc");
            Files.copy(dump, restore);

            PgModules.install(target, fresh.pg);
            Fetcher f2 = fresh.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f2))) {
                int port = endpoint.listen(0);
                f2.prepare(); // control files only
                for (String e : List.of("dumpa", "dumpb", "dumpc")) {
                    assertThat(fresh.marker(e)).doesNotExist();
                }
                fresh.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                long t0 = System.nanoTime();
                fresh.pg.tool("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f", restore.toString());
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
}
