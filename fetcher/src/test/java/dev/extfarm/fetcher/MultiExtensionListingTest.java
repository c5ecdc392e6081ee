package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase 1 lists every extension a multi-extension bundle carries (postgis with
 * postgis_tiger_geocoder and postgis_topology), a private one's too: the real registry's spec
 * carries the other control files inline ({@code other_controls}), since a private bundle's signed
 * control link covers one path and the others answered 403 (only the first was listed until the
 * bundle was installed).
 */
class MultiExtensionListingTest {

    @TempDir
    Path tmp;

    @Test
    void phaseOneListsEveryControlFileOfAPrivateMultiExtensionBundle() throws Exception {
        Assumptions.assumeTrue(RealRegistry.available(), "registry-server is not packaged: " + RealRegistry.JAR);
        try (RealRegistry registry = new RealRegistry(); Node node = new Node()) {
            // large and slowly downloaded: still on its way when prepare returns, so only phase 1 can have listed it
            registry.publish(Bundles.sql(tmp, "geo").carries("geo_tiger").carries("geo_topo").padding(3_000_000).pack());
            Fetcher f = node.fetcher(registry, b -> b.bandwidth(1_000_000).concurrency(1));

            f.prepare();

            assertThat(Files.exists(node.marker("geo"))).as("installed during prepare").isFalse();
            for (String control : new String[] {"geo", "geo_tiger", "geo_topo"}) {
                assertThat(Files.exists(node.extension(control + ".control"))).as("phase 1 listed " + control).isTrue();
            }
            node.pg.start();
            assertThat(node.pg.sql("SELECT string_agg(name, ',' ORDER BY name) FROM pg_available_extensions WHERE name ~ '^geo'"))
                    .isEqualTo("geo,geo_tiger,geo_topo");

            f.startBackground().get(120, TimeUnit.SECONDS);
            node.pg.sql("CREATE EXTENSION geo_tiger");
            assertThat(node.pg.sql("SELECT geo_tiger_carrier()")).isEqualTo("geo");
            assertThat(node.problems(f)).isEmpty();
        }
    }
}
