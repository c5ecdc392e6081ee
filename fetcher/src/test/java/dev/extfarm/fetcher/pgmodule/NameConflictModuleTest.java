package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CREATE EXTENSION of a name two bundles of the spec carry fails with the fetcher's
 * {@code name-conflict} (issue 21, item 2), in the session, which goes on: another extension of
 * the same spec is created.
 */
class NameConflictModuleTest {

    @TempDir
    Path tmp;

    @Test
    void createExtensionOfAContestedNameIsAClearErrorAndTheRestWorks() throws Exception {
        PgTarget target = PgTarget.LOCAL_15;
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(PgModules.sql(target, tmp, "pubext").pack());
            registry.publish(PgModules.sql(target, tmp, "shadow").carries("pubext").pack());
            registry.publish(PgModules.sql(target, tmp, "bystander").pack());
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f))) {
                Path socket = node.dir.resolve("fetcher.sock");
                endpoint.listenUnix(socket);
                new ProcessBuilder("chmod", "0666", socket.toString()).start().waitFor(); // PostgreSQL runs as 'postgres'
                f.prepare();
                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=unix:" + socket);
                String out = node.pg.session("""
                        CREATE EXTENSION pubext;
                        CREATE EXTENSION bystander;
                        SELECT 'v=' || bystander_version();
                        """);
                System.out.println(out);
                assertThat(out).contains("ERROR:  could not fetch extension \"pubext\": bundle 'pubext' 1.0 cannot be installed")
                        .contains("(HTTP 409 from the extfarm fetcher)")
                        .contains("DETAIL:  Fetcher error code: name-conflict.")
                        .contains("v=1.0");
                assertThat(node.pg.sql("SELECT count(*) FROM pg_extension WHERE extname = 'pubext'")).isEqualTo("0");
                node.pg.stop();
            }
        }
    }
}
