package dev.extfarm.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** The packaged registry (embedded PostgreSQL, temp data dir) as a child process for CLI tests. */
public final class RegistryProcess implements AutoCloseable {

    public final URI base;
    public final String adminToken;
    public final Path data;
    private final Process process;

    private RegistryProcess(URI base, String adminToken, Path data, Process process) {
        this.base = base;
        this.adminToken = adminToken;
        this.data = data;
        this.process = process;
    }

    public static RegistryProcess start() throws Exception {
        return start(java.util.Map.of());
    }

    /** With these registry settings (environment variables such as EXTFARM_OCI_BACKFILL_EVERY) on top. */
    public static RegistryProcess start(java.util.Map<String, String> env) throws Exception {
        Path jar = Path.of("..", "registry-server", "target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().normalize();
        if (!Files.exists(jar)) {
            throw new IOException(jar + " is missing; build the registry first (./mvnw package)");
        }
        Path data = Files.createTempDirectory("extfarm-cli-test");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String admin = "efa_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        ProcessBuilder pb = new ProcessBuilder(List.of("java", "-Xmx256m", "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(data.resolve("registry.log").toFile());
        pb.environment().putAll(java.util.Map.of("EXTFARM_DATA_DIR", data.resolve("data").toString(),
                "EXTFARM_PORT", String.valueOf(port), "EXTFARM_ADMIN_TOKEN", admin));
        pb.environment().putAll(env);
        Process p = pb.start();
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("registry exited; see " + data.resolve("registry.log"));
            }
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return new RegistryProcess(base, admin, data, p);
                }
            } catch (IOException starting) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        p.destroyForcibly();
        throw new IllegalStateException("registry not healthy; see " + data.resolve("registry.log"));
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor();
    }
}
