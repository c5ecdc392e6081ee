package dev.extfarm.worker.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
        removeInBackground(name);
        boolean oom = state.startsWith("true");
        boolean daemonError = state.isEmpty() && exit == 125 || exit == 125 && !state.startsWith("false 125");
        return new Result(exit, oom, timedOut, daemonError);
    }

    /** Reads a container's standard output as bytes; what it throws stops the container. */
    public interface OutputReader {
        void read(InputStream stdout) throws IOException;
    }

    /**
     * Runs {@code docker run <options> <image> <command>} and hands its standard output, as bytes,
     * to {@code reader} on this thread; standard error goes to {@code log}. The container is killed
     * after {@code timeout}, or as soon as the reader throws. When the container timed out, was
     * OOM-killed or Docker itself failed, the result says so and the reader's exception (a cut
     * stream) is dropped; otherwise the reader's exception is rethrown once the container is gone.
     */
    public Result runReading(List<String> options, String image, List<String> command, Duration timeout,
                             Consumer<String> log, OutputReader reader) throws IOException, InterruptedException {
        String name = "extfarm-" + UUID.randomUUID();
        List<String> cmd = new ArrayList<>(List.of(docker, "run", "--name", name));
        cmd.addAll(options);
        cmd.add(image);
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        Thread errors = new Thread(() -> pumpLines(p.getErrorStream(), log), name + "-stderr");
        errors.setDaemon(true);
        errors.start();
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut.set(true);
                    log.accept("##[extfarm] wall-time limit of " + timeout.toSeconds() + " s reached: killing the container");
                    quiet(docker, "kill", name);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the run ended first
            }
        }, name + "-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        Exception failure = null;
        try (InputStream stdout = p.getInputStream()) {
            reader.read(stdout);
        } catch (IOException | RuntimeException e) {
            failure = e;
            quiet(docker, "kill", name);
            p.destroyForcibly();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        watchdog.interrupt();
        errors.join(10_000);
        int exit = p.exitValue();
        String state = output(docker, "inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", name).strip();
        removeInBackground(name);
        boolean oom = state.startsWith("true");
        // no container state at all: Docker never ran it (and the reader saw a cut stream)
        boolean daemonError = state.isEmpty() && (exit == 125 || failure != null) || exit == 125 && !state.startsWith("false 125");
        Result result = new Result(exit, oom, timedOut.get(), daemonError);
        if (failure != null && !result.timedOut() && !oom && !daemonError) {
            if (failure instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) failure;
        }
        return result;
    }

    private static void pumpLines(InputStream in, Consumer<String> log) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.accept(line);
            }
        } catch (IOException e) {
            log.accept("##[extfarm] log stream broken: " + e.getMessage());
        }
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

    /**
     * Removes an ended container without waiting for it: everything the worker needs from it (its
     * output, exit code and OOM flag, a commit) has been read, and removing its writable layer
     * takes 0.1–1.5 s on a loaded machine (a test server's data directory), which no build needs
     * to wait for. The {@code docker rm} process outlives this JVM if it must; a container it
     * could not remove is left to the next cleanup, as before.
     */
    private void removeInBackground(String name) {
        try {
            new ProcessBuilder(docker, "rm", "-f", name).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            // best effort, as quiet(): a leftover container is removed by the next cleanup
        }
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
