package dev.extfarm.worker.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped ({@code pg_ctl stop -m fast}: every session cut) and started again while
 * clients keep asking one registry replica for catalog pages, a bundle and its health. The replica
 * is not restarted: its health goes down and comes back, and requests succeed again on their own.
 * Reported: the outage window clients saw (first failure to first success after the restart),
 * minus the time PostgreSQL was really down, and the errors in between.
 *
 * <p>CI: one restart, PostgreSQL down 2 s, 4 clients. Full: 5 restarts, down 5 s, 16 clients.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "extfarm.faults", matches = "true",
        disabledReason = "fault suites run with -Dextfarm.faults=true (.ci/run, infra/faults/)")
class PostgresRestartFaultsIT {

    /** One request's outcome: when it finished and whether it succeeded. */
    record Sample(String path, long atNanos, boolean ok) {
    }

    @Test
    void theRegistryRecoversFromAPostgresRestartWithoutARestartOfItsOwn() throws Exception {
        int restarts = FaultFigures.size("pg-restarts", 1, 5);
        int downSeconds = FaultFigures.size("pg-down-seconds", 2, 5);
        int clients = FaultFigures.size("pg-clients", 4, 16);
        try (Topology t = Topology.start("pg-restart", 1, Map.of())) {
            Topology.Replica replica = t.replicas.get(0);
            long pid = replica.process.pid();
            // something to read that needs the database and the blob store
            Path recipe = TinyRecipes.sqlOnly(t.data.resolve("recipes"), "pg_restart");
            t.push(recipe);
            Path file = t.data.resolve("b.tar");
            String sha = ReplicaKillFaultsIT.pack(t.data.resolve("b"), 1, file);
            String bundle = "/extensions/" + ReplicaKillFaultsIT.NAME + "/sha-256+" + sha + "/bundle.tar";
            assertThat(new ReplicaKillFaultsIT().upload(replica.base, t.adminToken, file, new AtomicLong(), 0)).isEqualTo(201);

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            List<String> paths = List.of("/api/v1/extensions?q=pg", "/api/v1/extensions/pg_restart", bundle,
                    "/api/v1/builds?size=5");
            List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
            List<Sample> health = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String p = paths.get(i % paths.size());
                threads.add(new Thread(() -> loop(http, replica.base.resolve(p), t.adminToken, samples, running), "client-" + i));
            }
            threads.add(new Thread(() -> loop(http, replica.base.resolve("/q/health/ready"), null, health, running), "health"));
            threads.forEach(Thread::start);

            List<Long> windows = new ArrayList<>();
            List<Long> healthWindows = new ArrayList<>();
            List<Long> beyondDown = new ArrayList<>();
            Thread.sleep(3000);
            for (int r = 0; r < restarts; r++) {
                long stop = System.nanoTime();
                t.pg.stop();
                Thread.sleep(downSeconds * 1000L);
                t.pg.startServer();
                long up = System.nanoTime();
                Thread.sleep(8000); // load goes on; the pool must find its way back by itself
                windows.add(window(samples, stop));
                healthWindows.add(window(health, stop));
                beyondDown.add(Duration.ofNanos(recoveredAt(samples, stop) - up).toMillis());
            }
            long tailFrom = System.nanoTime();
            Thread.sleep(3000);
            running.set(false);
            for (Thread th : threads) {
                th.join();
            }
            List<Sample> tail;
            synchronized (samples) {
                tail = samples.stream().filter(s -> s.atNanos() >= tailFrom).toList();
            }
            assertThat(tail).as("requests after recovery").isNotEmpty().allMatch(Sample::ok);
            assertThat(replica.process.isAlive()).isTrue();
            assertThat(replica.process.pid()).as("the same process").isEqualTo(pid);
            assertThat(http.send(HttpRequest.newBuilder(replica.base.resolve("/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            // a write works again too
            assertThat(t.admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", "after-restart")).path("token").asText())
                    .isNotEmpty();
            long failed = samples.stream().filter(s -> !s.ok()).count();
            Map<String, Long> failedByPath = new java.util.TreeMap<>();
            samples.stream().filter(s -> !s.ok()).forEach(s -> failedByPath.merge(s.path(), 1L, Long::sum));

            FaultFigures.report("pg-restart", "restarts", restarts + " (PostgreSQL down " + downSeconds + " s each, " + clients + " clients)");
            FaultFigures.report("pg-restart", "requests", samples.size() + " (failed " + failed + ")");
            FaultFigures.report("pg-restart", "failed_by_path", failedByPath);
            FaultFigures.report("pg-restart", "client_outage_ms", windows);
            FaultFigures.report("pg-restart", "health_down_ms", healthWindows);
            FaultFigures.report("pg-restart", "first_success_after_pg_up_ms", beyondDown);
        }
    }

    static void loop(HttpClient http, URI uri, String token, List<Sample> out, AtomicBoolean running) {
        while (running.get()) {
            boolean ok;
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
                if (token != null) {
                    b.header("Authorization", "Bearer " + token);
                }
                ok = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                ok = false;
            }
            out.add(new Sample(uri.getPath(), System.nanoTime(), ok));
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Milliseconds from the first failure after {@code from} to the first success after the last
     * failure (0: no failure seen): requests that do not need the database (a remembered bundle)
     * may succeed in between, so the window ends only when failures have stopped.
     */
    static long window(List<Sample> samples, long from) {
        synchronized (samples) {
            List<Sample> after = samples.stream().filter(s -> s.atNanos() >= from).toList();
            long firstFail = after.stream().filter(s -> !s.ok()).mapToLong(Sample::atNanos).min().orElse(-1);
            long lastFail = after.stream().filter(s -> !s.ok()).mapToLong(Sample::atNanos).max().orElse(-1);
            if (firstFail < 0) {
                return 0;
            }
            long recovered = after.stream().filter(s -> s.ok() && s.atNanos() > lastFail).mapToLong(Sample::atNanos).min().orElse(-1);
            return recovered < 0 ? -1 : Duration.ofNanos(recovered - firstFail).toMillis();
        }
    }

    /** When requests succeeded again for good: the first success after the last failure since {@code from}. */
    static long recoveredAt(List<Sample> samples, long from) {
        synchronized (samples) {
            long lastFail = samples.stream().filter(s -> s.atNanos() >= from && !s.ok()).mapToLong(Sample::atNanos).max().orElse(from);
            return samples.stream().filter(s -> s.ok() && s.atNanos() > lastFail).mapToLong(Sample::atNanos).min().orElse(Long.MAX_VALUE);
        }
    }
}
