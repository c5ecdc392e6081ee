package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * pg_extfarm in a real PostgreSQL (15 here, 17 and 18 in the farm's runtime images) against a real fetcher (in-process, its local endpoint on
 * loopback TCP), with the background queue never started: only the module can bring an
 * extension onto the node. The module's start-report worker tells the fetcher when PostgreSQL
 * accepts connections.
 */
class CreateExtensionJitTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#all")
    void createExtensionFetchesThroughTheModuleAndFailuresAreClearErrors(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(PgModules.sql(target, tmp, "jitone").pack());
            registry.publish(PgModules.sql(target, tmp, "jittwo").pack());
            registry.publish(PgModules.sql(target, tmp, "jitslow").padding(2_000_000).pack());
            registry.publish(PgModules.typeBundle(target, tmp, "jitload"));
            registry.publish(PgModules.sql(target, tmp, "jitquiet").pack());
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry);
            LocalEndpoint endpoint = new LocalEndpoint(new Routes(f));
            int port = endpoint.listen(0);
            f.prepare(); // control files only; no background phases in this test
            JsonNode status = JSON.readTree(new Routes(f).handle("GET", "/status", null).body());
            assertThat(status.toString()).contains("jitone");
            assertThat(f.state().get("jitone").map(r -> r.installed()).orElse(false)).as("absent before CREATE EXTENSION").isFalse();
            assertThat(node.marker("jitone")).doesNotExist();
            String url = "extfarm.fetcher_url=http://127.0.0.1:" + port;

            // the control: stock PostgreSQL cannot create it (only its control file is on disk)
            node.pg.start();
            assertThatThrownBy(() -> node.pg.sql("CREATE EXTENSION jitone")).hasMessageContaining("jitone");
            node.pg.stop();

            node.pg.start("shared_preload_libraries=pg_extfarm", url, "extfarm.fetch_timeout=30");
            // the module's start-report worker tells the fetcher that PostgreSQL accepts connections
            long until = System.currentTimeMillis() + 10_000;
            while (f.status().get("postgres_accepting_since") == null && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            assertThat(f.status().get("postgres_accepting_since")).as("POST /postgres/started from pg_extfarm").isNotNull();
            assertThat(node.log()).containsPattern("PostgreSQL accepts connections \\(postmaster pid \\d+, port \\d+\\)");
            long t0 = System.nanoTime();
            node.pg.sql("CREATE EXTENSION jitone");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("CREATE EXTENSION through pg_extfarm: " + ms + " ms");
            assertThat(node.pg.sql("SELECT jitone_version()")).isEqualTo("1.0");
            assertThat(node.marker("jitone")).exists();
            assertThat(f.state().get("jitone").orElseThrow().installed()).isTrue();
            assertThat(f.state().get("jittwo").map(r -> r.installed()).orElse(false)).as("nothing else was fetched").isFalse();

            // PostgreSQL's own extension and unknown names pass through unchanged
            node.pg.sql("CREATE EXTENSION hstore");
            assertThatThrownBy(() -> node.pg.sql("CREATE EXTENSION nosuch_ext"))
                    .hasMessageContaining("extension \"nosuch_ext\" is not available")
                    .hasMessageNotContaining("extfarm fetcher");

            // LOAD of a library the spec provides
            node.pg.sql("LOAD 'jitload'");
            assertThat(f.state().get("jitload").orElseThrow().installed()).as("LOAD asked for it").isTrue();

            // statement_timeout cancels the wait (the registry sends the 2 MB bundle at 100 kB/s)
            registry.sendRate = 100_000;
            t0 = System.nanoTime();
            assertThatThrownBy(() -> node.pg.sql("SET statement_timeout = '1s'; CREATE EXTENSION jitslow"))
                    .hasMessageContaining("statement timeout");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
            registry.sendRate = 0;

            // fetcher down: a clear ERROR, the session lives on, and the next attempt succeeds once it is back
            endpoint.close();
            LocalEndpoint[] again = new LocalEndpoint[1];
            Thread restarter = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                    again[0] = new LocalEndpoint(new Routes(f));
                    again[0].listen(port);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            restarter.start();
            String out = node.pg.session("""
                    SELECT 'pid1=' || pg_backend_pid();
                    CREATE EXTENSION jittwo;
                    SELECT pg_sleep(4);
                    CREATE EXTENSION jittwo;
                    SELECT 'pid2=' || pg_backend_pid() || ' v=' || jittwo_version();
                    """);
            restarter.join();
            again[0].close();
            System.out.println(out);
            assertThat(out).contains("ERROR:  could not fetch extension \"jittwo\": the extfarm fetcher at http://127.0.0.1:" + port
                    + " is unavailable: could not connect to");
            assertThat(out).doesNotContain("FATAL").doesNotContain("server closed the connection");
            String pid1 = out.replaceAll("(?s).*pid1=(\\d+).*", "$1");
            assertThat(out).contains("pid2=" + pid1 + " v=1.0");
            assertThat(node.pg.sql("SELECT count(*) FROM pg_extension WHERE extname IN ('jitone','jittwo','hstore')")).isEqualTo("3");

            // a fetcher that takes the connection and never answers: a clear ERROR once extfarm.fetch_timeout
            // + 10 s have passed (the fetcher itself would have answered 504 at fetch_timeout), and the session lives on
            try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                String silentUrl = "http://127.0.0.1:" + silent.getLocalPort();
                node.pg.stop();
                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=" + silentUrl);
                t0 = System.nanoTime();
                String quiet = node.pg.session("""
                        SET extfarm.fetch_timeout = 1;
                        CREATE EXTENSION jitquiet;
                        SELECT 'still=' || 1;
                        """);
                long waited = (System.nanoTime() - t0) / 1_000_000;
                assertThat(quiet).contains("ERROR:  could not fetch extension \"jitquiet\": the extfarm fetcher at " + silentUrl
                        + " is unavailable: no answer within 11 s").contains("still=1");
                assertThat(waited).as("ms until the ERROR").isBetween(10_500L, 20_000L);
            }
        }
    }
}
