package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase 4 waits for PostgreSQL: after phase 3 nothing more is downloaded until pg_extfarm's worker
 * reports that PostgreSQL accepts connections ({@code POST /postgres/started}), or until the hold
 * runs out. (That the module really sends the report is checked in CreateExtensionJitTest, against
 * real PostgreSQL servers.)
 */
class BackgroundHoldTest {

    @TempDir
    Path tmp;

    @Test
    void phaseFourStartsWhenPostgresAcceptsConnections() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "early").pack());
            for (String late : List.of("late1", "late2")) {
                registry.publish(Bundles.sql(tmp, late).pack());
            }
            Fetcher f = node.fetcher(registry, b -> b.backgroundHold(Duration.ofMinutes(5)));
            f.state().markCreated("early"); // phase 3 still runs at once: a database needs it
            f.prepare();
            var background = f.startBackground();

            waitFor(() -> node.log().contains("phase 4 waits until PostgreSQL accepts connections"));
            waitFor(() -> f.state().get("early").map(r -> r.installed()).orElse(false));
            Thread.sleep(500);
            assertThat(registry.bundleRequests("late1") + registry.bundleRequests("late2")).as("downloads while held").isZero();
            assertThat(f.status()).containsEntry("background_started", false).containsEntry("postgres_accepting_since", null);
            assertThat(background).isNotDone();

            Routes.Reply reply = new Routes(f).handle("POST", "/postgres/started", "pid=4242&port=5433");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(new String(reply.body(), StandardCharsets.UTF_8)).contains("\"background_started\" : true");
            background.get(60, TimeUnit.SECONDS);
            assertThat(node.log()).contains("PostgreSQL accepts connections (postmaster pid 4242, port 5433)")
                    .contains("phase 4: 3 bundles in the background (concurrency 2; PostgreSQL accepts connections)");
            assertThat(f.status().get("postgres_accepting_since")).isNotNull();
            for (String late : List.of("late1", "late2")) {
                assertThat(f.state().get(late).orElseThrow().installed()).isTrue();
            }
            assertThat(new Routes(f).handle("GET", "/postgres/started", null).status()).isEqualTo(405);
        }
    }

    @Test
    void withoutWordFromPostgresPhaseFourStartsWhenTheHoldRunsOut() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "solo").pack());
            Fetcher f = node.fetcher(registry, b -> b.backgroundHold(Duration.ofMillis(800)));
            f.prepare();
            long t0 = System.nanoTime();
            f.startBackground().get(60, TimeUnit.SECONDS);
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(800);
            assertThat(node.log()).contains("phase 4: 1 bundles in the background (concurrency 2; no word from PostgreSQL within 800 ms)");
            assertThat(f.state().get("solo").orElseThrow().installed()).isTrue();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waited 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
