package dev.extfarm.worker.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * How the worker reads a build's {@code /out}: never through the host's file system (the build,
 * as its owner, may have replaced any path there with a link, a FIFO or a hard link), but as one
 * tar stream that GNU tar writes inside a throwaway container, on the container's side of the
 * mount. The build container has exited by then (its init process ended, so the kernel killed
 * every process it left behind) and {@code /out} is mounted read-only: nothing changes the output
 * while it is read. tar stores links as links and FIFOs as entries, never following or opening
 * them; {@link TreeCollector} checks the stream. One extra container per build, no per-file
 * Docker calls.
 */
final class OutputExport {

    /**
     * Lists the collected names that exist (a missing one is not an error; a link or FIFO in their
     * place is archived as what it is) and streams them. Modes lose group/other write and the
     * set-id and sticky bits; owners are numeric.
     */
    static final String SCRIPT = """
            cd /out || exit 3
            set --
            for n in %s; do
              if [ -e "$n" ] || [ -L "$n" ]; then set -- "$@" "$n"; fi
            done
            [ $# -gt 0 ] || exec tar --create --file=- --files-from=/dev/null
            exec tar --create --file=- --format=gnu --sort=name --numeric-owner --mode=go-w,a-st -- "$@"
            """.formatted(String.join(" ", TreeCollector.OUTPUT_NAMES));

    static final Duration WALL_TIME = Duration.ofMinutes(10);

    private OutputExport() {
    }

    /** Streams {@code out} through {@code reader}; the container runs like the build's, with the output read-only. */
    static DockerCli.Result run(DockerCli docker, String image, Path out, Consumer<String> log, DockerCli.OutputReader reader)
            throws IOException, InterruptedException {
        List<String> options = List.of("--network", "none", "--user", "1000:1000",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only",
                "--memory", String.valueOf(256L << 20), "--memory-swap", String.valueOf(256L << 20),
                "--pids-limit", "16", "--cpus", "1",
                "-v", out + ":/out:ro");
        return docker.runReading(options, image, List.of("bash", "-c", SCRIPT), WALL_TIME, log, reader);
    }
}
