package dev.extfarm.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The packaged registry-server as a child process on 127.0.0.1: the one way tests of every module
 * (registry-server's own ITs, builder-worker, fetcher, cli) start a real registry.
 *
 * <pre>{@code
 * try (PackagedRegistry registry = PackagedRegistry.builder()
 *         .env("EXTFARM_FARM_TARGETS", "15:debian-12-amd64-glibc").start()) {
 *     String worker = registry.token("worker", null);         // POST /api/v1/admin/tokens as the admin
 *     HttpRequest r = HttpRequest.newBuilder(registry.uri("/api/v1/builds")).build();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>It builds nothing: package registry-server first (a reactor run with
 *       {@code -pl registry-server,<module> -am} does). The jar is the system property
 *       {@code extfarm.registry.jar}, else {@code registry-server/target/quarkus-app/quarkus-run.jar}
 *       in the working directory or one of its parents ({@link #jar()}); missing, {@link #start}
 *       says how to build it, and tests that may skip use {@link #isPackaged()}.</li>
 *   <li>Fresh state: a new data directory (the embedded PostgreSQL there: a new database; the
 *       filesystem blob store there), a free port on 127.0.0.1, a random admin token. The test's
 *       own {@code EXTFARM_DB_*} variables are not passed on; settings given with {@link Builder#env}
 *       are (an external database: {@code EXTFARM_DB_URL}, S3, lease times, ...).</li>
 *   <li>Ready means {@code GET /q/health/ready} is 200 (default wait: 180 s); a process that exits
 *       before fails the start with its log's path.</li>
 *   <li>{@link #close()}: SIGTERM (SIGKILL after 30 s), then the data directory it created is
 *       deleted; one given with {@link Builder#dataDir} is kept. The log ({@link #log()}) stays:
 *       {@code target/packaged-registry/} of the working directory, or the one given.</li>
 *   <li>Crash tests: {@link #kill9()}, then {@link #restart()} on the same port and data.</li>
 * </ul>
 */
public final class PackagedRegistry implements AutoCloseable {

    /** Where the reactor packages the registry, relative to the repository's root. */
    public static final Path JAR_IN_REPOSITORY = Path.of("registry-server", "target", "quarkus-app", "quarkus-run.jar");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path jar;
    private final int port;
    private final URI base;
    private final String adminToken;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Path log;
    private final List<String> command;
    private final Map<String, String> env;
    private final Duration readyTimeout;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private String workerToken;

    private PackagedRegistry(Builder b) throws IOException {
        this.jar = b.jar != null ? b.jar : jar().orElseThrow(() -> new IOException("the packaged registry is missing ("
                + JAR_IN_REPOSITORY + " in " + Path.of("").toAbsolutePath() + " or a parent); package it first: "
                + "./mvnw -pl registry-server,<this module> -am verify, or ./mvnw -pl registry-server -am package -DskipTests"));
        this.port = b.port > 0 ? b.port : freePort();
        this.base = URI.create("http://127.0.0.1:" + port);
        this.adminToken = b.adminToken != null ? b.adminToken : "efa_" + random();
        this.ownsDataDir = b.dataDir == null;
        this.dataDir = ownsDataDir ? Files.createTempDirectory("extfarm-registry") : Files.createDirectories(b.dataDir);
        this.log = b.log != null ? b.log : defaultLog(port);
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(b.jvmArgs.isEmpty() ? List.of("-Xmx256m") : b.jvmArgs);
        cmd.addAll(List.of("-jar", jar.toString()));
        this.command = List.copyOf(cmd);
        Map<String, String> e = new LinkedHashMap<>();
        e.put("EXTFARM_DATA_DIR", dataDir.toString());
        e.put("EXTFARM_HOST", "127.0.0.1");
        e.put("EXTFARM_PORT", String.valueOf(port));
        e.put("EXTFARM_ADMIN_TOKEN", adminToken);
        e.putAll(b.env);
        this.env = Map.copyOf(e);
        this.readyTimeout = b.readyTimeout;
    }

    /** A registry with default settings, started and ready. */
    public static PackagedRegistry start() throws Exception {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The packaged jar, if there is one (see the class comment for where it is looked for). */
    public static Optional<Path> jar() {
        String configured = System.getProperty("extfarm.registry.jar");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured).toAbsolutePath()).filter(Files::isRegularFile);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(JAR_IN_REPOSITORY);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Whether the registry is packaged (for tests that skip without it). */
    public static boolean isPackaged() {
        return jar().isPresent();
    }

    /** Settings of a registry to start; everything is optional. */
    public static final class Builder {
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private Path jar;
        private Path dataDir;
        private Path log;
        private int port;
        private String adminToken;
        private Duration readyTimeout = Duration.ofSeconds(180);

        private Builder() {
        }

        /** A registry setting as an environment variable, e.g. {@code EXTFARM_QUEUE_LEASE_TTL=8s}. */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> settings) {
            env.putAll(settings);
            return this;
        }

        /** JVM options instead of the default {@code -Xmx256m}. */
        public Builder jvmArgs(String... args) {
            jvmArgs.addAll(List.of(args));
            return this;
        }

        /** Another jar than the packaged one found by {@link PackagedRegistry#jar()}. */
        public Builder jar(Path jar) {
            this.jar = jar;
            return this;
        }

        /** The data directory (created if missing, kept on close); default: a new temporary one, deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** The file the process's output is appended to. */
        public Builder log(Path file) {
            this.log = file;
            return this;
        }

        /** The port (e.g. a replica restarted where its balancer expects it); default: a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The admin token (several replicas of one farm share it); default: a random one. */
        public Builder adminToken(String token) {
            this.adminToken = token;
            return this;
        }

        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /** Starts the registry and waits until it is ready. */
        public PackagedRegistry start() throws Exception {
            PackagedRegistry r = new PackagedRegistry(this);
            try {
                r.launch();
            } catch (Exception | Error e) {
                r.close();
                throw e;
            }
            return r;
        }
    }

    private void launch() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // a fresh database unless the test names one: not the one its own environment may point at
        pb.environment().keySet().removeIf(k -> k.startsWith("EXTFARM_DB_"));
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the registry exited with " + process.exitValue() + " while starting; see " + log);
            }
            try {
                var r = http.send(HttpRequest.newBuilder(uri("/q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the registry was not ready within " + readyTimeout + "; see " + log);
    }

    /** Starts the process again with the same port, data and settings (after {@link #kill9()} or a stop). */
    public PackagedRegistry restart() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the registry is still running (pid " + process.pid() + ")");
        }
        launch();
        return this;
    }

    public URI base() {
        return base;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public URI uri(String path) {
        return base.resolve(path);
    }

    public int port() {
        return port;
    }

    public String adminToken() {
        return adminToken;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * A new API token (as the admin: {@code POST /api/v1/admin/tokens}).
     *
     * @param role   admin, maintainer, worker or compute
     * @param tenant the tenant of a compute or tenant-scoped token, else null
     */
    public String token(String role, String tenant) throws Exception {
        Map<String, String> body = new LinkedHashMap<>(Map.of("role", role, "label", "test " + role));
        if (tenant != null) {
            body.put("tenant", tenant);
        }
        return admin("POST", "/api/v1/admin/tokens", body, 201).path("token").asText();
    }

    /** One worker token of this registry, created on first use. */
    public synchronized String workerToken() throws Exception {
        if (workerToken == null) {
            workerToken = token("worker", null);
        }
        return workerToken;
    }

    /** A new tenant ({@code POST /api/v1/admin/tenants}). */
    public void tenant(String name) throws Exception {
        admin("POST", "/api/v1/admin/tenants", Map.of("name", name), 201);
    }

    /** An admin call with a JSON body (or none); the answer's JSON, or an error with status and body. */
    public JsonNode admin(String method, String path, Object body, int expectedStatus) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + adminToken);
        if (body == null) {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        }
        HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != expectedStatus) {
            throw new IllegalStateException(method + " " + path + " answered " + resp.statusCode() + ", not " + expectedStatus
                    + ": " + resp.body());
        }
        return resp.body().isEmpty() ? JSON.missingNode() : JSON.readTree(resp.body());
    }

    /** SIGKILL: no shutdown hook runs (the embedded PostgreSQL is orphaned until the next start finds it). */
    public void kill9() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** SIGTERM and wait (SIGKILL after 30 s); the registry can be {@link #restart() restarted}. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }

    /** Stops the registry and deletes the data directory it created. */
    @Override
    public void close() throws InterruptedException {
        stop();
        if (ownsDataDir) {
            deleteTree(dataDir);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the registry's data in " + dir, e);
        }
    }

    private static Path defaultLog(int port) {
        return Path.of("target", "packaged-registry").toAbsolutePath().resolve("registry-" + System.currentTimeMillis() + "-" + port + ".log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
