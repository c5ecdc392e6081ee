package dev.extfarm.worker.build;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Docker CLI, for the few things the worker needs: run a container with limits while
 * streaming its output, kill it on a deadline, tell an OOM kill from a normal exit, commit.
 */
public final class DockerCli {

    /** How a container ended. {@code exitCode} 125 with {@code daemonError} means Docker itself failed. */
    public record Result(int exitCode, boolean oomKilled, boolean timedOut, boolean daemonError) {
    }

    private final String docker;

    public DockerCli() {
        this(System.getenv().getOrDefault("EXTFARM_DOCKER", "docker"));
    }

    public DockerCli(String docker) {
        this.docker = docker;
    }

    /**
     * Runs {@code docker run <options> <image> <command>} in a container named for the job,
     * passing every output line to {@code log}; kills it after {@code timeout}.
     */
    public Result run(List<String> options, String image, List<String> command, Duration timeout, Consumer<String> log)
            throws IOException, InterruptedException {
        return run(options, image, command, timeout, log, null);
    }

    /** As {@link #run}, and when the container exits 0, commits it as {@code commitAs}. */
    public Result run(List<String> options, String image, List<String> command, Duration timeout, Consumer<String> log,
                      String commitAs) throws IOException, InterruptedException {
        String name = "extfarm-" + UUID.randomUUID();
        List<String> cmd = new ArrayList<>(List.of(docker, "run", "--name", name));
        cmd.addAll(options);
        cmd.add(image);
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        Thread reader = new Thread(() -> pump(p, log), name + "-log");
        reader.setDaemon(true);
        reader.start();
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        boolean timedOut = false;
        if (!finished) {
            timedOut = true;
            log.accept("##[extfarm] wall-time limit of " + timeout.toSeconds() + " s reached: killing the container");
            quiet(docker, "kill", name);
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
        reader.join(10_000);
        int exit = p.exitValue();
        String state = output(docker, "inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", name).strip();
        if (commitAs != null && exit == 0 && !timedOut) {
            exit = exec(List.of(docker, "commit", name, commitAs), log);
        }
        quiet(docker, "rm", "-f", name);
        boolean oom = state.startsWith("true");
        boolean daemonError = state.isEmpty() && exit == 125 || exit == 125 && !state.startsWith("false 125");
        return new Result(exit, oom, timedOut, daemonError);
    }

    private static void pump(Process p, Consumer<String> log) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.accept(line);
            }
        } catch (IOException e) {
            log.accept("##[extfarm] log stream broken: " + e.getMessage());
        }
    }

    public boolean imageExists(String image) throws IOException, InterruptedException {
        return exec(List.of(docker, "image", "inspect", image), null) == 0;
    }

    public String imageLabel(String image, String label) throws IOException, InterruptedException {
        return output(docker, "image", "inspect", "-f", "{{index .Config.Labels \"" + label + "\"}}", image).strip();
    }

    public boolean reachable() {
        try {
            return exec(List.of(docker, "version", "--format", "{{.Server.Version}}"), null) == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs a command, streaming its output to {@code log} (or discarding it); returns the exit code. */
    public int exec(List<String> cmd, Consumer<String> log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (log != null) {
                    log.accept(line);
                }
            }
        }
        return p.waitFor();
    }

    String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    String docker() {
        return docker;
    }

    private void quiet(String... cmd) {
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(60, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort: a leftover container is removed by the next cleanup
        }
    }

}
