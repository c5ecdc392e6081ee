package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broken bundle (bytes that do not match the spec's sha-256): CREATE EXTENSION fails with an
 * ERROR carrying the fetcher's message and code, the session goes on, and once the registry
 * serves the right bytes the same session creates the extension. The fetcher is reached over
 * its unix socket ({@code extfarm.fetcher_url = 'unix:/…'}).
 */
class BrokenBundleTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#allOutsideCi")
    void aBrokenBundleIsAClearErrorAndTheNextAttemptSucceedsOnceFixed(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(PgModules.sql(target, tmp, "brokenext").padding(100_000).pack());
            String sha = registry.spec().entry("brokenext").orElseThrow().sha256();
            byte[] evil = Files.readAllBytes(PgModules.sql(target, tmp, "brokenext").padding(100_000)
                    .file("share/extension/brokenext--evil.sql", "SELECT 1;").pack());
            registry.serveInstead.put(sha, evil);
            registry.specSize.put(sha, (long) evil.length);
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f))) {
                Path socket = node.dir.resolve("fetcher.sock");
                endpoint.listenUnix(socket);
                new ProcessBuilder("chmod", "0666", socket.toString()).start().waitFor(); // PostgreSQL runs as 'postgres'
                f.prepare();
                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=unix:" + socket);

                Thread fixer = new Thread(() -> {
                    try {
                        Thread.sleep(1500);
                        registry.serveInstead.remove(sha);
                        registry.specSize.remove(sha);
                        f.refresh();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                fixer.start();
                String out = node.pg.session("""
                        SELECT 'pid1=' || pg_backend_pid();
                        CREATE EXTENSION brokenext;
                        SELECT pg_sleep(4);
                        CREATE EXTENSION brokenext;
                        SELECT 'pid2=' || pg_backend_pid() || ' v=' || brokenext_version();
                        """);
                fixer.join();
                System.out.println(out);
                assertThat(out).contains("ERROR:  could not fetch extension \"brokenext\":")
                        .contains("sha-256").contains("(HTTP 502 from the extfarm fetcher)")
                        .contains("DETAIL:  Fetcher error code: digest-mismatch.");
                assertThat(out).doesNotContain("FATAL").doesNotContain("server closed the connection");
                String pid1 = out.replaceAll("(?s).*pid1=(\\d+).*", "$1");
                assertThat(out).contains("pid2=" + pid1 + " v=1.0");
                assertThat(node.pg.sql("SELECT count(*) FROM pg_extension WHERE extname = 'brokenext'")).isEqualTo("1");
                node.pg.stop();
            }
        }
    }
}
