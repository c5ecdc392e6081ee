package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four phases against a real PostgreSQL 15: {@code prepare} installs exactly the
 * shared-preload bundle (pg_stat_statements, its real C module taken out of the relocated copy and
 * shipped as a bundle) and returns; PostgreSQL then starts with it preloaded; phase 3 installs
 * what a database already created; phase 4 the rest.
 */
class PhasesTest {

    @TempDir
    Path tmp;

    /** pg_stat_statements as a bundle, removed from the PostgreSQL copy so that only the fetcher can bring it. */
    static Path pgStatStatementsBundle(Path tmp, RealPostgres pg) throws Exception {
        return pgStatStatements(tmp, pg).pack();
    }

    static Bundles pgStatStatements(Path tmp, RealPostgres pg) throws Exception {
        Bundles b = Bundles.sql(tmp, "pg_stat_statements").version("1.10").libraries("pg_stat_statements").sharedPreload();
        try (Stream<Path> s = Files.list(pg.share.resolve("extension"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("pg_stat_statements")).toList()) {
                b.copy("share/extension/" + p.getFileName(), p);
                Files.delete(p);
            }
        }
        b.copy("lib/pg_stat_statements.so", pg.lib.resolve("pg_stat_statements.so"));
        Files.delete(pg.lib.resolve("pg_stat_statements.so"));
        return b.file("share/extension/pg_stat_statements.control",
                Files.readString(RealPostgres.SYSTEM_SHARE.resolve("extension/pg_stat_statements.control")));
    }

    @Test
    void phasesRunInOrderAndPrepareReturnsOnceTheSharedPreloadBundleIsIn() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            Bundles pgss = pgStatStatements(tmp, node.pg);
            registry.publish(pgss.pack());
            Path pgssNext = pgss.version("1.10.1").pack();
            registry.publish(Bundles.sql(tmp, "early").pack());
            for (String late : List.of("late1", "late2", "late3")) {
                registry.publish(Bundles.sql(tmp, late).padding(600_000).pack());
            }
            Fetcher f = node.fetcher(registry, b -> b.preload(new FetcherSettings.Preload(List.of("pg_stat_statements"), List.of(), List.of()))
                    .bandwidth(1_000_000).concurrency(1));
            f.state().markCreated("early"); // a database created it before this node restarted

            f.prepare();

            assertThat(Files.exists(node.marker("pg_stat_statements"))).isTrue();
            assertThat(Files.exists(node.pg.lib.resolve("pg_stat_statements.so"))).isTrue();
            for (String other : List.of("early", "late1", "late2", "late3")) {
                assertThat(registry.bundleRequests(other)).as("downloads of " + other + " before PostgreSQL may start").isZero();
                assertThat(Files.exists(node.extension(other + ".control"))).as("phase 1 listed " + other).isTrue();
                assertThat(Files.exists(node.marker(other))).isFalse();
            }
            assertThat(f.status()).containsEntry("ready", true).containsEntry("phase", 2);
            assertThat(f.http().tlsInitialised()).as("TLS for a plain-http registry").isFalse();

            node.pg.start("shared_preload_libraries=pg_stat_statements");
            node.pg.sql("CREATE EXTENSION pg_stat_statements");
            assertThat(node.pg.sql("SELECT count(*) >= 0 FROM pg_stat_statements")).isEqualTo("t");
            assertThat(node.pg.sql("SELECT string_agg(name, ',' ORDER BY name) FROM pg_available_extensions WHERE name ~ '^(early|late)'"))
                    .isEqualTo("early,late1,late2,late3");

            f.startBackground().get(120, TimeUnit.SECONDS);

            String log = node.log();
            int p1 = log.indexOf("phase 1:");
            int p2 = log.indexOf("phase 2:");
            int ready = log.indexOf("ready to start PostgreSQL");
            int p3 = log.indexOf("phase 3:");
            int early = log.indexOf("installed early 1.0 (preload");
            int p4 = log.indexOf("phase 4:");
            int late = log.indexOf("installed late");
            assertThat(List.of(p1, p2, ready, p3, early, p4, late)).doesNotContain(-1).isSorted();
            assertThat(log.indexOf("installed pg_stat_statements 1.10 (shared-preload")).isBetween(p2, ready);
            assertThat(log).contains("installed late1 1.0 (background");
            assertThat(f.status()).containsEntry("phase_name", "idle");
            for (String ext : List.of("early", "late1", "late2", "late3")) {
                node.pg.sql("CREATE EXTENSION " + ext);
                assertThat(node.pg.sql("SELECT " + ext + "_version()")).isEqualTo("1.0");
            }
            assertThat(node.problems(f)).isEmpty();

            // a new version of a library PostgreSQL preloaded waits for the restart: fetched, not installed
            registry.publish(pgssNext);
            assertThat(f.refresh().get("updated")).containsExactly("pg_stat_statements 1.10 -> 1.10.1");
            long deadline = System.currentTimeMillis() + 30_000;
            while (!f.bundleStatus().pendingRestart().stream().anyMatch(p -> p.startsWith("pg_stat_statements@"))) {
                assertThat(System.currentTimeMillis()).isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(f.state().get("pg_stat_statements").orElseThrow().version()).isEqualTo("1.10");
            assertThat(Files.readString(node.marker("pg_stat_statements"))).contains("\"version\":\"1.10\"");
            assertThat(f.requestExtension("pg_stat_statements", java.time.Duration.ofSeconds(10)).state()).isEqualTo("pending-restart");
            @SuppressWarnings("unchecked")
            var bundles = (List<java.util.Map<String, Object>>) f.status().get("bundles");
            assertThat(bundles).anySatisfy(b -> assertThat(b).containsEntry("name", "pg_stat_statements")
                    .containsEntry("state", "pending-restart").containsEntry("installed_version", "1.10"));
            long downloads = registry.bundleRequests("pg_stat_statements");

            // the restart: prepare (a new process) installs it from the cache before PostgreSQL starts again
            node.pg.stop();
            f.close();
            Fetcher next = node.fetcher(registry, b -> b.preload(new FetcherSettings.Preload(List.of("pg_stat_statements"), List.of(), List.of())));
            next.prepare();
            assertThat(next.state().get("pg_stat_statements").orElseThrow().version()).isEqualTo("1.10.1");
            assertThat(registry.bundleRequests("pg_stat_statements")).isEqualTo(downloads);
            node.pg.start("shared_preload_libraries=pg_stat_statements");
            assertThat(node.pg.sql("SELECT count(*) >= 0 FROM pg_stat_statements")).isEqualTo("t");
        }
    }

    /** Phase 1 renames the records before the control files: a listing a crash left without its file is listed again. */
    @Test
    void aListingWithoutItsControlFileIsListedAgainByTheNextPrepare() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "listed").pack());
            node.fetcher(registry).prepare();
            Path control = node.extension("listed.control");
            assertThat(control).exists();
            Files.delete(control); // as if power was lost after the record's rename, before the control file's

            node.fetcher(registry).prepare();
            assertThat(control).exists();
            assertThat(Files.exists(node.marker("listed"))).as("listed, not installed").isFalse();
            assertThat(registry.bundleRequests("listed")).isZero();
        }
    }

    /** A spec that carries the control files inline: phase 1 asks the registry for none of them. */
    @Test
    void controlFilesInlineInTheSpecAreListedWithoutARequest() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            for (String name : List.of("inl1", "inl2", "inl3", "broken")) {
                registry.publish(Bundles.sql(tmp, name).pack());
            }
            registry.inlineControls = true;
            registry.inlineInstead.put("broken", "this is not a control file\n"); // no name = value: PostgreSQL could not read it
            Fetcher f = node.fetcher(registry);
            f.prepare();
            assertThat(registry.controlRequests.get()).isZero();
            for (String name : List.of("inl1", "inl2", "inl3")) {
                assertThat(Files.readString(node.extension(name + ".control"))).contains("default_version = '1.0'");
            }
            assertThat(node.extension("broken.control")).doesNotExist();
            assertThat(node.log()).contains("control file for broken 1.0 that PostgreSQL could not read");
            node.pg.start();
            assertThat(node.pg.sql("SELECT string_agg(name, ',' ORDER BY name) FROM pg_available_extensions WHERE name ~ '^inl'"))
                    .isEqualTo("inl1,inl2,inl3");
        }
    }
}
