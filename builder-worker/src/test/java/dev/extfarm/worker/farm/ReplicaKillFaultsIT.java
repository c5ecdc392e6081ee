package dev.extfarm.worker.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of a registry replica while a bundle streams in and while one streams out. The clients
 * (a plain JDK HttpClient, as a publisher or a compute node would use it) retry through the other
 * replica: the upload from the start, the download from where it broke (Range). Meanwhile a
 * watcher asks the live replicas for the bundle all the time: it is absent or whole, never partial.
 * Then workers build through the balancer while replicas are killed in turn: their uploads and
 * completions go through the other replica, every job succeeds exactly once. Afterwards the
 * database and the blob store agree: {@link StoreConsistency} (our own check, read from the
 * outside) and the registry's {@code GET /api/v1/admin/consistency} say so.
 *
 * <p>CI: a 24 MiB bundle, 2 replica kills among 6 jobs. Full: 200 MiB, 6 kills among 30 jobs.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "extfarm.faults", matches = "true",
        disabledReason = "fault suites run with -Dextfarm.faults=true (.ci/run, infra/faults/)")
class ReplicaKillFaultsIT {

    static final String NAME = "replica_kill";
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void clientsRetryThroughTheOtherReplicaAndNothingPartialIsEverVisible() throws Exception {
        int mib = FaultFigures.size("bundle-mib", 24, 200);
        try (Topology t = Topology.start("replica-kill", 2, Map.of(
                "EXTFARM_QUEUE_LEASE_TTL", "6s", "EXTFARM_QUEUE_SWEEP_INTERVAL", "2s",
                "EXTFARM_QUEUE_MAX_ATTEMPTS", "20", "EXTFARM_QUEUE_MAX_FARM_FAULTS", "20"))) {
            Topology.Replica a = t.replicas.get(0);
            Topology.Replica b = t.replicas.get(1);
            Path file = t.data.resolve("big.tar");
            String sha = pack(t.data, mib, file);
            String path = "/extensions/" + NAME + "/sha-256+" + sha + "/bundle.tar";
            long size = Files.size(file);

            // 1. upload through a, killed at ~40 %; the client retries through b
            Watcher watcher = new Watcher(List.of(a.base, b.base), path, sha, size);
            watcher.start();
            AtomicLong sent = new AtomicLong();
            long killAtBytes = size * 4 / 10;
            Thread killer = killWhen(() -> sent.get() >= killAtBytes, a);
            long t0 = System.nanoTime();
            int firstStatus = -1;
            try {
                firstStatus = upload(a.base, t.adminToken, file, sent, size / 6);
            } catch (IOException broken) {
                // the replica died under the upload
            }
            killer.join();
            long bytesBeforeKill = sent.get();
            assertThat(firstStatus).as("the first upload must break").isEqualTo(-1);
            StoreConsistency afterKill = StoreConsistency.check(t.db(), t.s3.client());
            assertThat(afterKill.agrees()).as(afterKill.toString()).isTrue();
            assertThat(afterKill.rows()).as("nothing of the broken upload is in the catalog").isZero();
            long retryStart = System.nanoTime();
            int status = upload(b.base, t.adminToken, file, new AtomicLong(), 0);
            long retryMillis = Duration.ofNanos(System.nanoTime() - retryStart).toMillis();
            assertThat(status).isEqualTo(201);
            long uploadTotalMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            a.start();

            // 2. download from a, killed at ~40 %; the client resumes through b with Range
            AtomicLong received = new AtomicLong();
            Thread killer2 = killWhen(() -> received.get() >= killAtBytes, a);
            MessageDigest md = Digests.newSha256();
            long d0 = System.nanoTime();
            int resumes = download(List.of(a.base, b.base), path, md, received, size);
            killer2.join();
            long downloadMillis = Duration.ofNanos(System.nanoTime() - d0).toMillis();
            assertThat(Digests.hex(md.digest())).as("the resumed download is the bundle").isEqualTo(sha);
            assertThat(resumes).as("the download broke once and resumed").isEqualTo(1);
            a.start();
            watcher.stop();
            assertThat(watcher.partial.get()).as("partial bundles seen: " + watcher.partialDetail).isZero();
            assertThat(watcher.whole.get()).as("the watcher saw the finished bundle").isPositive();

            // 3. workers through the balancer while replicas are killed in turn
            int jobs = FaultFigures.size("replica-jobs", 6, 30);
            int replicaKills = FaultFigures.size("replica-kills", 2, 6);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.addAll(t.push(TinyRecipes.sqlOnly(t.data.resolve("recipes"), String.format("replica_%03d", i))));
            }
            t.startWorker("replica-w1");
            t.startWorker("replica-w2");
            List<Long> outages = new ArrayList<>();
            for (int k = 0; k < replicaKills; k++) {
                Thread.sleep(6000);
                Topology.Replica victim = t.replicas.get(k % 2);
                victim.kill9();
                long down = System.nanoTime();
                victim.start();
                outages.add(Duration.ofNanos(System.nanoTime() - down).toMillis());
            }
            var done = t.awaitAll(ids, Duration.ofMinutes(FaultFigures.full() ? 30 : 10));
            for (JsonNode j : done.values()) {
                assertThat(j.path("status").asText()).as(j.toString()).isEqualTo("succeeded");
            }
            int farmFaults;
            try (Connection c = t.db(); var rs = c.createStatement().executeQuery(
                    "SELECT count(*) FILTER (WHERE outcome = 'farm-fault'), count(*) FILTER (WHERE outcome = 'lease-expired'),"
                            + " (SELECT count(*) FROM build b WHERE (SELECT count(*) FROM build_attempt a WHERE a.build_id = b.id"
                            + " AND a.outcome = 'succeeded') <> 1) FROM build_attempt")) {
                rs.next();
                farmFaults = rs.getInt(1) + rs.getInt(2);
                assertThat(rs.getInt(3)).as("builds without exactly one accepted completion").isZero();
            }
            StoreConsistency end = StoreConsistency.check(t.db(), t.s3.client());
            assertThat(end.agrees()).as(end.toString()).isTrue();
            // the registry's own check (GET /api/v1/admin/consistency), asked through each replica
            JsonNode registryCheck = null;
            for (Topology.Replica r : t.replicas) {
                registryCheck = r.api().get("/api/v1/admin/consistency");
                assertThat(registryCheck.path("ok").asBoolean()).as(registryCheck.toString()).isTrue();
            }
            assertThat(end.rows()).isEqualTo(1 + jobs);
            for (Topology.Replica r : t.replicas) {
                assertThat(Digests.sha256(r.api().bytes(path))).isEqualTo(sha);
            }

            FaultFigures.report("replica-kill", "bundle_bytes", size);
            FaultFigures.report("replica-kill", "upload_killed_after_bytes", bytesBeforeKill);
            FaultFigures.report("replica-kill", "upload_retry_ms", retryMillis + " (whole upload incl. broken attempt " + uploadTotalMillis + ")");
            FaultFigures.report("replica-kill", "download_ms_incl_resume", downloadMillis + " (resumed once with Range)");
            FaultFigures.report("replica-kill", "watcher_reads", watcher.reads.get() + " (absent " + watcher.absent.get()
                    + ", whole " + watcher.whole.get() + ", partial " + watcher.partial.get() + ")");
            FaultFigures.report("replica-kill", "store_after_kill", afterKill);
            FaultFigures.report("replica-kill", "store_at_end", end);
            FaultFigures.report("replica-kill", "registry_consistency", registryCheck);
            FaultFigures.report("replica-kill", "worker_jobs", jobs + " succeeded exactly once across " + replicaKills
                    + " replica kills (claims lost to the kills: " + farmFaults + ")");
            FaultFigures.report("replica-kill", "replica_restart_ms", outages);
        }
    }

    /** Uploads the file to one replica; counts bytes sent; sleeps 50 ms per 1/60 of the body after {@code throttleFrom}. */
    int upload(URI replica, String token, Path file, AtomicLong sent, long bytesPerSecond) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(replica.resolve("/extensions/" + NAME + "/sha-256+" + Digests.sha256(file) + "/bundle.tar"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-tar")
                .timeout(Duration.ofMinutes(10))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> counting(file, sent, bytesPerSecond)), Files.size(file))).build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Reads the bundle from the first replica that answers, resuming with Range where a broken one stopped. */
    int download(List<URI> replicas, String path, MessageDigest md, AtomicLong received, long size) throws Exception {
        int resumes = -1;
        long paceStart = System.nanoTime();
        for (int i = 0; received.get() < size; i = (i + 1) % replicas.size()) {
            resumes++;
            var req = HttpRequest.newBuilder(replicas.get(i).resolve(path)).timeout(Duration.ofMinutes(5));
            if (received.get() > 0) {
                req.header("Range", "bytes=" + received.get() + "-");
            }
            try {
                HttpResponse<InputStream> r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(received.get() > 0 ? 206 : 200);
                try (InputStream in = r.body()) {
                    byte[] buf = new byte[256 * 1024];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                        received.addAndGet(n);
                        pace(received.get(), size, paceStart, 4000); // about 4 s per bundle
                    }
                }
            } catch (IOException broken) {
                // the replica died mid-stream: go on with the next one from received.get()
            }
        }
        return resumes;
    }

    /** Sleeps until {@code done} of {@code total} bytes are due, at {@code totalMillis} for all of them. */
    static void pace(long done, long total, long startNanos, long totalMillis) throws InterruptedException {
        long dueNanos = startNanos + (long) ((double) totalMillis * 1_000_000L * done / total);
        long ahead = dueNanos - System.nanoTime();
        if (ahead > 1_000_000) {
            Thread.sleep(ahead / 1_000_000);
        }
    }

    static InputStream counting(Path file, AtomicLong sent, long bytesPerSecond) {
        try {
            return new FilterInputStream(Files.newInputStream(file)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, Math.min(len, 64 * 1024));
                    if (n > 0) {
                        sent.addAndGet(n);
                        if (bytesPerSecond > 0) {
                            try {
                                Thread.sleep(Math.max(1, n * 1000L / bytesPerSecond));
                            } catch (InterruptedException e) {
                                throw new IOException(e);
                            }
                        }
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Thread killWhen(java.util.function.BooleanSupplier condition, Topology.Replica replica) {
        Thread t = new Thread(() -> {
            try {
                while (!condition.getAsBoolean()) {
                    Thread.sleep(10);
                }
                replica.kill9();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "replica-killer");
        t.start();
        return t;
    }

    /** A bundle of about {@code mib} MiB (random library bytes), packed with the bundle library. */
    static String pack(Path work, int mib, Path out) throws Exception {
        Path tree = work.resolve("big-tree");
        Path ext = Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(ext.resolve(NAME + ".control"), "comment = 'big'\ndefault_version = '1.0'\nmodule_pathname = '$libdir/"
                + NAME + "'\nrelocatable = true\n");
        Files.writeString(ext.resolve(NAME + "--1.0.sql"), "CREATE FUNCTION big() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n");
        Path lib = Files.createDirectories(tree.resolve("lib"));
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(7);
        try (var o = Files.newOutputStream(lib.resolve(NAME + ".so"))) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(chunk);
                o.write(chunk);
            }
        }
        BundleManifest m = BundleManifest.builder().name(NAME).version("1.0").pgMajor(15)
                .platform(Platform.parse("debian-12-amd64-glibc")).defaultVersion("1.0").extensions(List.of(NAME))
                .libraries(List.of(NAME)).systemLibraries(List.of("libc.so.6")).license("PostgreSQL").build();
        return BundleWriter.pack(tree, m, 1_700_000_000L, out).sha256();
    }

    /** Asks every live replica for the bundle in a loop: each answer must be 404 or the whole bundle. */
    final class Watcher {
        final List<URI> replicas;
        final String path;
        final String sha;
        final long size;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger absent = new AtomicInteger();
        final AtomicInteger whole = new AtomicInteger();
        final AtomicInteger partial = new AtomicInteger();
        volatile String partialDetail = "";
        Thread thread;

        Watcher(List<URI> replicas, String path, String sha, long size) {
            this.replicas = replicas;
            this.path = path;
            this.sha = sha;
            this.size = size;
        }

        void start() {
            thread = new Thread(() -> {
                while (running.get()) {
                    for (URI r : replicas) {
                        look(r);
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "partial-watcher");
            thread.start();
        }

        private void look(URI replica) {
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(replica.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                reads.incrementAndGet();
                try (InputStream in = r.body()) {
                    if (r.statusCode() == 404) {
                        absent.incrementAndGet();
                        in.readAllBytes();
                    } else if (r.statusCode() == 200) {
                        MessageDigest md = Digests.newSha256();
                        long n = 0;
                        byte[] buf = new byte[256 * 1024];
                        for (int k; (k = in.read(buf)) > 0; ) {
                            md.update(buf, 0, k);
                            n += k;
                        }
                        if (n == size && Digests.hex(md.digest()).equals(sha)) {
                            whole.incrementAndGet();
                        } else {
                            partial.incrementAndGet();
                            partialDetail = n + " bytes from " + replica;
                        }
                    } else {
                        in.readAllBytes(); // 5xx of a replica going down: not a bundle
                    }
                }
            } catch (IOException dead) {
                // a killed replica (or one starting): nothing was shown
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
