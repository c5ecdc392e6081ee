package dev.extfarm.registry.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The packaged server ({@code target/quarkus-app/quarkus-run.jar}) as a separate process on 127.0.0.1. */
final class PackagedServer implements AutoCloseable {

    static final String ADMIN = "efa_it-admin-token-0123456789";
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    final Path dataDir;
    final int port;
    private final List<String> jvmArgs;
    private Process process;
    private int starts;

    PackagedServer(Path dataDir, String... jvmArgs) throws IOException {
        this.dataDir = dataDir;
        this.jvmArgs = List.of(jvmArgs);
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    PackagedServer start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + "-server-" + (++starts) + ".log").toFile());
        pb.environment().put("EXTFARM_DATA_DIR", dataDir.toString());
        pb.environment().put("EXTFARM_PORT", String.valueOf(port));
        pb.environment().put("EXTFARM_ADMIN_TOKEN", ADMIN);
        pb.environment().remove("EXTFARM_DB_URL");
        long t0 = System.nanoTime();
        process = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with " + process.exitValue() + "; see its log beside " + dataDir);
            }
            try {
                var r = http.send(HttpRequest.newBuilder(uri("/q/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    System.out.printf("packaged server up on :%d in %d ms%n", port, (System.nanoTime() - t0) / 1_000_000);
                    return this;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the server did not become healthy within 90 s");
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, the embedded PostgreSQL is orphaned. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static Path freshDataDir(String name) throws IOException {
        Path base = Files.createDirectories(Path.of("target/it"));
        return Files.createTempDirectory(base.toAbsolutePath(), name);
    }
}
