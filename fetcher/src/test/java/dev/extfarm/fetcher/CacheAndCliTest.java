package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.report.Log;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-local cache (a restart and a second PostgreSQL on the node reuse verified bundles
 * without downloading them again), and the command line: {@code prepare} from a spec file with
 * the preload settings read from postgresql.conf, then {@code recover}.
 */
class CacheAndCliTest {

    @TempDir
    Path tmp;

    @Test
    void aRestartAndASecondPostgresqlReuseTheCache() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node(); Node second = new Node()) {
            registry.publish(Bundles.sql(tmp, "cached").padding(500_000).pack());
            Fetcher f = node.fetcher(registry);
            f.prepare();
            f.requestExtension("cached", Duration.ofSeconds(30));
            assertThat(registry.bundleRequests("cached")).isEqualTo(1);

            // the second PostgreSQL of this node: own state, same cache
            Fetcher other = second.fetcher(registry, b -> b.cacheDir(node.cache));
            other.prepare();
            assertThat(other.requestExtension("cached", Duration.ofSeconds(30)).state()).isEqualTo("installed");
            assertThat(second.log()).contains("installed cached 1.0 (urgent, from the cache");
            assertThat(Files.exists(second.marker("cached"))).isTrue();

            // a restart after the files were lost (say a fresh container with the cache volume kept)
            f.close();
            f.installer().remove("cached");
            Fetcher restarted = node.fetcher(registry);
            restarted.prepare();
            assertThat(restarted.requestExtension("cached", Duration.ofSeconds(30)).state()).isEqualTo("installed");
            assertThat(registry.bundleRequests("cached")).as("downloads in all").isEqualTo(1);

            // a damaged cache entry is not trusted: it is fetched again
            String sha = registry.spec().entry("cached").orElseThrow().sha256();
            Path entry = node.cache.resolve("bundles/" + sha + ".tar");
            byte[] bytes = Files.readAllBytes(entry);
            bytes[bytes.length / 2] ^= 1;
            Files.write(entry, bytes);
            restarted.installer().remove("cached");
            assertThat(restarted.requestExtension("cached", Duration.ofSeconds(30)).state()).isEqualTo("installed");
            assertThat(registry.bundleRequests("cached")).isEqualTo(2);
            assertThat(node.problems(restarted)).isEmpty();
        }
    }

    @Test
    void prepareFromTheCommandLineReadsPostgresqlConfAndExitsZeroWhenReady() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(PhasesTest.pgStatStatementsBundle(tmp, node.pg));
            registry.publish(Bundles.sql(tmp, "other").pack());
            Path spec = Files.write(tmp.resolve("spec.json"), registry.specJson());
            Path conf = Files.writeString(tmp.resolve("postgresql.conf"),
                    "# test\nshared_preload_libraries = 'pg_stat_statements'   # needs a restart\nwork_mem = 4MB\n");
            Path ready = tmp.resolve("ready");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            String keys = registry.keysFile(tmp).toString();
            int code = FetcherMain.run(new String[]{"prepare", "--spec-file", spec.toString(), "--pg-config", node.pg.pgConfig().toString(),
                    "--trusted-keys", keys, "--postgresql-conf", conf.toString(), "--state-dir", node.state.toString(), "--ready-file", ready.toString(),
                    "--progress", "plain"}, new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("ready to start PostgreSQL");
            assertThat(err.toString()).contains("phase 2: shared_preload_libraries [pg_stat_statements] -> bundles [pg_stat_statements]");
            assertThat(Files.exists(ready)).isTrue();
            assertThat(Files.exists(node.marker("pg_stat_statements"))).isTrue();
            assertThat(Files.exists(node.marker("other"))).isFalse();
            assertThat(Files.exists(node.extension("other.control"))).isTrue();

            StringWriter out2 = new StringWriter();
            assertThat(FetcherMain.run(new String[]{"recover", "--spec-file", spec.toString(), "--pg-config", node.pg.pgConfig().toString(),
                    "--trusted-keys", keys, "--state-dir", node.state.toString()}, new PrintWriter(out2, true), new PrintWriter(new StringWriter(), true))).isZero();
            assertThat(out2.toString()).contains("pg_stat_statements 1.10 installed ok").contains("other 1.0 available ok");

            node.pg.start("shared_preload_libraries=pg_stat_statements");
            node.pg.sql("CREATE EXTENSION pg_stat_statements");

            // usage errors exit 2 and say what is missing
            StringWriter err3 = new StringWriter();
            assertThat(FetcherMain.run(new String[]{"prepare", "--spec-file", spec.toString()}, new PrintWriter(new StringWriter()),
                    new PrintWriter(err3, true))).isEqualTo(2);
            assertThat(err3.toString()).contains("say where PostgreSQL is");
            // a shared_preload library nobody provides: PostgreSQL would not start, so prepare fails
            StringWriter err4 = new StringWriter();
            assertThat(FetcherMain.run(new String[]{"prepare", "--spec-file", spec.toString(), "--pg-config", node.pg.pgConfig().toString(),
                    "--trusted-keys", keys, "--shared-preload-libraries", "no_such_lib", "--state-dir", node.state.toString()}, new PrintWriter(new StringWriter()),
                    new PrintWriter(err4, true))).isEqualTo(1);
            assertThat(err4.toString()).contains("shared_preload_libraries names 'no_such_lib'");
        }
    }

    @Test
    void installOfSeveralFromTheCommandLineRunsThemSideBySideAndReportsEachInOrder() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            for (String name : List.of("alpha", "beta", "gamma")) {
                registry.publish(Bundles.sql(tmp, name).pack());
            }
            Path spec = Files.write(tmp.resolve("spec.json"), registry.specJson());
            String keys = registry.keysFile(tmp).toString();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = FetcherMain.run(new String[]{"install", "gamma", "alpha", "beta", "--spec-file", spec.toString(), "--pg-config",
                    node.pg.pgConfig().toString(), "--trusted-keys", keys, "--state-dir", node.state.toString(), "--progress", "plain"},
                    new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).isEqualTo("gamma: installed (gamma 1.0)\nalpha: installed (alpha 1.0)\nbeta: installed (beta 1.0)\n");
            node.pg.start();
            for (String name : List.of("alpha", "beta", "gamma")) {
                node.pg.sql("CREATE EXTENSION " + name);
                assertThat(node.pg.sql("SELECT " + name + "_version()")).isEqualTo("1.0");
            }

            // one unknown name: the others are still installed and reported, the command fails naming it
            registry.publish(Bundles.sql(tmp, "delta").pack());
            Path spec2 = Files.write(tmp.resolve("spec2.json"), registry.specJson());
            StringWriter out2 = new StringWriter();
            StringWriter err2 = new StringWriter();
            assertThat(FetcherMain.run(new String[]{"install", "no_such_extension", "delta", "--spec-file", spec2.toString(), "--pg-config",
                    node.pg.pgConfig().toString(), "--trusted-keys", keys, "--state-dir", node.state.toString(), "--progress", "plain"},
                    new PrintWriter(out2, true), new PrintWriter(err2, true))).isEqualTo(1);
            assertThat(out2.toString()).isEqualTo("delta: installed (delta 1.0)\n");
            assertThat(err2.toString()).contains("extension 'no_such_extension' is not in the compute spec");
            assertThat(Files.exists(node.marker("delta"))).isTrue();
        }
    }

    @Test
    void prepareWithNothingToDownloadBuildsNoHttpClient() throws Exception {
        try (Node node = new Node()) {
            Path spec = Files.writeString(tmp.resolve("empty.json"), "{\"meta_format\": 1, \"tenant\": \"t\", \"pg_major\": 15, "
                    + "\"platform\": \"" + Bundles.PLATFORM + "\", \"extensions\": []}");
            FetcherSettings settings = FetcherSettings.builder().trust(dev.extfarm.fetcher.trust.Trust.unsigned())
                    .spec(dev.extfarm.fetcher.spec.SpecSource.file(spec)).layout(node.layout()).stateDir(node.state)
                    .cacheDir(node.cache).refresh(Duration.ZERO).build();
            try (Fetcher f = new Fetcher(settings, new Log(new PrintWriter(new StringWriter(), true), false))) {
                f.prepare();
                assertThat(f.status()).containsEntry("ready", true);
                assertThat(f.http().built()).as("an HTTP client (its selector thread, TLS) for a prepare that fetches nothing").isFalse();
            }
            // the spec is kept byte for byte as read
            assertThat(Files.readString(node.state.resolve("spec.json"))).isEqualTo(Files.readString(spec));
        }
    }

    @Test
    void postgresqlConfAutoConfWinsAndLibraryNamesAreNormalised() throws Exception {
        Path conf = Files.writeString(tmp.resolve("postgresql.conf"), "shared_preload_libraries='a,$libdir/b.so' # x\n"
                + "session_preload_libraries = 'c'\nshared_preload_libraries = 'a, b'\n");
        Files.writeString(tmp.resolve("postgresql.auto.conf"), "local_preload_libraries = 'plugins/d'\n");
        FetcherSettings.Preload p = PostgresqlConf.read(conf);
        assertThat(p.shared()).isEqualTo(List.of("a", "b"));
        assertThat(p.session()).isEqualTo(List.of("c"));
        assertThat(p.local()).isEqualTo(List.of("d"));
    }
}
