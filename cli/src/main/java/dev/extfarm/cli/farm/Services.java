package dev.extfarm.cli.farm;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The background processes `extfarm up` starts (registry, worker): started detached with their
 * output in data/logs/, remembered by pid file in data/run/, stopped by `extfarm down`.
 */
final class Services {

    private final Path data;

    Services(Path data) {
        this.data = data;
    }

    Path log(String name) {
        return data.resolve("logs").resolve(name + ".log");
    }

    Optional<ProcessHandle> running(String name) throws IOException {
        Path pid = data.resolve("run").resolve(name + ".pid");
        if (!Files.exists(pid)) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).filter(ProcessHandle::isAlive);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    ProcessHandle start(String name, List<String> command, Map<String, String> env, Path workDir) throws IOException {
        return start(name, command, env, workDir, List.of());
    }

    /** As above, without the given variables of this process's environment (secrets the service must not inherit). */
    ProcessHandle start(String name, List<String> command, Map<String, String> env, Path workDir, List<String> withoutVariables)
            throws IOException {
        Files.createDirectories(data.resolve("logs"));
        Files.createDirectories(data.resolve("run"));
        if (!Files.exists(log(name))) {
            // the registry's log holds the admin token it prints at its first start: owner only
            Files.createFile(log(name), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        }
        // setsid: the service outlives this command and is not hit by the terminal's Ctrl-C.
        ProcessBuilder pb = new ProcessBuilder(concat("setsid", command)).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        withoutVariables.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        Files.writeString(data.resolve("run").resolve(name + ".pid"), p.pid() + "\n");
        return p.toHandle();
    }

    /** TERM, then KILL after {@code grace}; true when something was stopped. */
    boolean stop(String name, Duration grace) throws IOException, InterruptedException {
        Optional<ProcessHandle> h = running(name);
        Files.deleteIfExists(data.resolve("run").resolve(name + ".pid"));
        if (h.isEmpty()) {
            return false;
        }
        h.get().destroy();
        long deadline = System.nanoTime() + grace.toNanos();
        while (h.get().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (h.get().isAlive()) {
            h.get().destroyForcibly();
        }
        return true;
    }

    static boolean portInUse(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean healthy(URI base) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static boolean waitHealthy(URI base, ProcessHandle process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (healthy(base)) {
                return true;
            }
            if (process != null && !process.isAlive()) {
                return false;
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static List<String> concat(String first, List<String> rest) {
        var all = new ArrayList<String>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
