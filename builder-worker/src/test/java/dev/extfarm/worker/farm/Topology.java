package dev.extfarm.worker.farm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.testsupport.PackagedRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The farm as deployed past one machine, every part a process on 127.0.0.1: one PostgreSQL
 * (system binaries), one S3 store (s3proxy), N registry replicas (the packaged jar, sharing the
 * database and the bucket) behind a {@link LoopbackBalancer}, and packaged workers that reach the
 * registry through the balancer. Fault tests kill and restart any of them.
 */
final class Topology implements AutoCloseable {

    /** One registry replica: its own port and data directory (it keeps nothing there but logs). */
    final class Replica {
        final String name;
        final int port;
        final URI base;
        /** Null until the first start; then started again in place after a kill. */
        PackagedRegistry process;

        Replica(String name, int port) {
            this.name = name;
            this.port = port;
            this.base = URI.create("http://127.0.0.1:" + port);
        }

        void start() throws Exception {
            if (process != null) {
                process.restart();
                return;
            }
            process = PackagedRegistry.builder().port(port).dataDir(data.resolve(name)).log(data.resolve(name + ".log"))
                    .adminToken(adminToken).env(registryEnv).start();
        }

        void kill9() throws InterruptedException {
            process.kill9();
        }

        Api api() {
            return new Api(base, adminToken);
        }
    }

    final Path data;
    LocalPostgres pg;
    S3Process s3;
    final List<Replica> replicas = new ArrayList<>();
    LoopbackBalancer balancer;
    final String adminToken = "efa_" + FarmIT.random();
    final Map<String, String> registryEnv = new HashMap<>();
    /** Concurrent: the shutdown hook may stop them while a test starts a replacement. */
    final Map<String, JavaProcess> workers = new java.util.concurrent.ConcurrentHashMap<>();
    Api admin;
    Api maintainer;
    String workerToken;
    /** Stops every process if the test JVM is ended from outside (CI's timeout, Ctrl-C). */
    private final Thread cleanup = new Thread(this::closeQuietly, "topology-cleanup");

    private Topology(Path data, int replicaCount) throws Exception {
        this.data = data;
        // first, so that processes started from here on are stopped however the test JVM ends
        Runtime.getRuntime().addShutdownHook(cleanup);
        this.pg = LocalPostgres.start(data);
        this.s3 = S3Process.start(data);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < replicaCount; i++) {
            Replica r = new Replica("registry-" + (char) ('a' + i), JavaProcess.freePort());
            replicas.add(r);
            ports.add(r.port);
        }
        this.balancer = new LoopbackBalancer(ports);
    }

    /**
     * Starts PostgreSQL, S3 and the replicas (one after the other: the first migrates the schema).
     * {@code extraEnv} adds registry settings (lease TTL, sweep interval, ...).
     */
    static Topology start(String label, int replicaCount, Map<String, String> extraEnv) throws Exception {
        dev.extfarm.worker.pipeline.TestImagesAccess.await("bookworm-pg15");
        Path data = Files.createTempDirectory("extfarm-" + label);
        Topology t = new Topology(data, replicaCount);
        t.registryEnv.putAll(Map.of(
                "EXTFARM_DB_URL", t.pg.jdbcUrl(), "EXTFARM_DB_USER", "postgres", "EXTFARM_DB_PASSWORD", "",
                "EXTFARM_BLOB_KIND", "s3", "EXTFARM_BLOB_S3_ENDPOINT", t.s3.endpoint.toString(),
                "EXTFARM_BLOB_S3_BUCKET", S3Process.BUCKET, "EXTFARM_BLOB_S3_ACCESS_KEY_ID", S3Process.ACCESS,
                "EXTFARM_BLOB_S3_SECRET_ACCESS_KEY", S3Process.SECRET, "EXTFARM_BLOB_S3_CREATE_BUCKET", "true",
                "EXTFARM_BLOB_S3_PART_SIZE", String.valueOf(5 << 20)));
        t.registryEnv.put("EXTFARM_ADMIN_TOKEN", t.adminToken);
        // the workers here have the bookworm/15 images only
        t.registryEnv.put("EXTFARM_FARM_TARGETS", "15:debian-12-amd64-glibc");
        // the fault tests count every build they queued until the queue is empty: no reproducibility rebuilds besides
        t.registryEnv.put("EXTFARM_REPRODUCIBILITY_VERIFY", "false");
        t.registryEnv.putAll(extraEnv);
        try {
            for (Replica r : t.replicas) {
                r.start();
            }
            t.admin = new Api(t.balancer.uri(), t.adminToken);
            t.workerToken = t.admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", label)).path("token").asText();
            t.maintainer = t.admin.as(t.admin.post("/api/v1/admin/tokens", Map.of("role", "maintainer", "label", label))
                    .path("token").asText());
        } catch (Exception e) {
            t.close();
            throw e;
        }
        return t;
    }

    URI address() {
        return balancer.uri();
    }

    JavaProcess startWorker(String id) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "EXTFARM_WORKER_REGISTRY", balancer.uri().toString(), "EXTFARM_WORKER_TOKEN", workerToken,
                "EXTFARM_WORKER_ID", id, "EXTFARM_WORKER_TARGETS", "bookworm-pg15",
                "EXTFARM_WORKER_WORK_DIR", data.resolve("work-" + id).toString(),
                "EXTFARM_WORKER_SOURCE_CACHE", FarmIT.SOURCE_CACHE,
                "EXTFARM_WORKER_PORT", String.valueOf(JavaProcess.freePort()),
                "EXTFARM_WORKER_WALL_TIME", "300s", "EXTFARM_WORKER_MEMORY", "1g"));
        env.put("EXTFARM_WORKER_POLL_INTERVAL", "1s");
        JavaProcess w = JavaProcess.start(FarmIT.WORKER_JAR, env, data.resolve("worker-" + id + ".log"));
        workers.put(id, w);
        return w;
    }

    /** Pushes a recipe directory through the balancer; the id of each build scheduled. */
    List<Long> push(Path recipeDir) throws Exception {
        JsonNode r = maintainer.post("/api/v1/recipes", RecipeBundle.readDirectory(recipeDir).toJson());
        List<Long> ids = new ArrayList<>();
        for (JsonNode b : r.path("scheduled")) {
            ids.add(b.path("build_id").asLong());
        }
        return ids;
    }

    static final Set<String> FINAL = Set.of("succeeded", "failed", "cached", "cancelled", "farm-error");

    /** Waits until every build is in a final state (polled in one query); the builds' JSON by id. */
    Map<Long, JsonNode> awaitAll(List<Long> ids, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int open;
            try (Connection c = pg.connect(); var st = c.prepareStatement(
                    "SELECT count(*) FROM build WHERE id = ANY (?) AND status IN ('queued', 'running')")) {
                st.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                var rs = st.executeQuery();
                rs.next();
                open = rs.getInt(1);
            }
            if (open == 0) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(open + " of " + ids.size() + " builds did not finish within " + timeout);
            }
            Thread.sleep(1000);
        }
        Map<Long, JsonNode> out = new LinkedHashMap<>();
        for (long id : ids) {
            out.put(id, admin.get("/api/v1/builds/" + id));
        }
        return out;
    }

    Connection db() throws Exception {
        return pg.connect();
    }

    /** Removes the build containers this topology's workers left behind (a killed worker cannot). */
    void removeLeftoverContainers() {
        try {
            Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter", "name=extfarm-").redirectErrorStream(true).start();
            String ids = new String(ps.getInputStream().readAllBytes()).strip();
            ps.waitFor();
            for (String id : ids.isEmpty() ? new String[0] : ids.split("\\s+")) {
                Process inspect = new ProcessBuilder("docker", "inspect", "-f", "{{range .Mounts}}{{.Source}} {{end}}", id).start();
                String mounts = new String(inspect.getInputStream().readAllBytes());
                inspect.waitFor();
                if (mounts.contains(data.toString())) { // ours: it mounts this topology's work directories
                    new ProcessBuilder("docker", "rm", "-f", id).redirectErrorStream(true).start().waitFor();
                }
            }
        } catch (Exception e) {
            System.err.println("could not clean up build containers: " + e);
        }
    }

    private void closeQuietly() {
        try {
            stopAll();
        } catch (Exception e) {
            System.err.println("topology cleanup: " + e);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs already
        }
        stopAll();
    }

    private void stopAll() throws Exception {
        for (JavaProcess w : List.copyOf(workers.values())) {
            w.close();
        }
        for (Replica r : replicas) {
            if (r.process != null) {
                r.process.close();
            }
        }
        if (balancer != null) {
            balancer.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (pg != null) {
            pg.close();
        }
        removeLeftoverContainers();
    }
}
