package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec refresh against a real PostgreSQL 15: a new grant is fetched, a lost one removed unless a
 * database created it (read from pg_extension), and a new version replaces the old files so that
 * {@code ALTER EXTENSION ... UPDATE} runs the shipped upgrade script.
 */
class SpecUpdateTest {

    @TempDir
    Path tmp;

    @Test
    void aRefreshAddsRemovesAndUpgradesThroughTheShippedScript() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM)) {
            addsRemovesAndUpgrades(registry, tmp);
        }
    }

    /** The same against the real registry-server (packaged jar, embedded PostgreSQL). */
    @Test
    void theSameAgainstTheRealRegistry() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(RealRegistry.available(), "registry-server is not packaged: " + RealRegistry.JAR);
        try (RealRegistry registry = new RealRegistry()) {
            addsRemovesAndUpgrades(registry, tmp);
        }
    }

    static void addsRemovesAndUpgrades(TestRegistry registry, Path tmp) throws Exception {
        try (Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "upg").pack());
            registry.publish(Bundles.sql(tmp, "kept").pack());
            registry.publish(Bundles.sql(tmp, "gone").pack());
            Fetcher f = node.fetcher(registry, b -> b.psql(node.pg.catalog()));
            f.prepare();
            node.pg.start();
            f.startBackground().get(60, TimeUnit.SECONDS);
            node.pg.sql("CREATE EXTENSION upg");
            node.pg.sql("CREATE EXTENSION kept");
            assertThat(node.pg.sql("SELECT upg_version()")).isEqualTo("1.0");

            registry.publish(Bundles.sql(tmp, "upg").version("1.1").upgradeFrom("1.0").pack());
            registry.publish(Bundles.sql(tmp, "fresh").pack());
            registry.revoke("kept");
            registry.revoke("gone");
            Map<String, List<String>> summary = f.refresh();

            assertThat(summary.get("added")).containsExactly("fresh");
            assertThat(summary.get("updated")).containsExactly("upg 1.0 -> 1.1");
            assertThat(summary.get("removed")).containsExactly("gone");
            assertThat(summary.get("kept")).containsExactly("kept");
            long deadline = System.currentTimeMillis() + 30_000;
            while (!(f.state().get("upg").orElseThrow().version().equals("1.1") && f.state().get("fresh").map(r -> r.installed()).orElse(false))) {
                assertThat(System.currentTimeMillis()).as("background install of the refresh").isLessThan(deadline);
                Thread.sleep(50);
            }

            node.pg.sql("ALTER EXTENSION upg UPDATE");
            assertThat(node.pg.sql("SELECT extversion FROM pg_extension WHERE extname = 'upg'")).isEqualTo("1.1");
            assertThat(node.pg.sql("SELECT upg_version()")).isEqualTo("1.1");
            assertThat(Files.exists(node.extension("upg--1.0--1.1.sql"))).isTrue();

            assertThat(node.pg.sql("SELECT count(*) FROM pg_available_extensions WHERE name = 'gone'")).isEqualTo("0");
            assertThat(node.filesOf("gone")).isEmpty();
            assertThat(Files.exists(node.marker("gone"))).isFalse();
            assertThat(node.pg.sql("SELECT kept_version()")).isEqualTo("1.0");
            assertThat(Files.exists(node.marker("kept"))).isTrue();
            node.pg.sql("CREATE EXTENSION fresh");
            assertThat(node.pg.sql("SELECT fresh_version()")).isEqualTo("1.0");
            assertThat(node.problems(f)).isEmpty();

            // once no database has it any more, the next refresh removes it too
            node.pg.sql("DROP EXTENSION kept");
            assertThat(f.refresh().get("removed")).containsExactly("kept");
            assertThat(node.filesOf("kept")).isEmpty();
        }
    }
}
