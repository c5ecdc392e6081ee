package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build does not wait for its ended containers to be removed (removing a test server's writable
 * layer took up to 1.4 s per container on the loaded machine), and they are still removed. The
 * real Docker engine, behind a wrapper whose {@code docker rm} is slow on purpose.
 */
class DockerCliTest {

    static BuildImages images;

    @TempDir
    Path dir;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(RealRecipesBuildTest.TARGET);
    }

    /** {@code docker}, but {@code docker rm} takes 6 s more; every call is written to {@code calls}. */
    private Path slowRemovingDocker() throws Exception {
        Path script = dir.resolve("docker");
        Files.writeString(script, """
                #!/bin/bash
                echo "$1" >> "$(dirname "$0")/calls"
                if [ "$1" = rm ]; then sleep 6; fi
                exec docker "$@"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void aRunReturnsWithoutWaitingForTheContainersRemovalAndTheContainerIsStillRemoved() throws Exception {
        DockerCli docker = new DockerCli(slowRemovingDocker().toString());
        List<String> log = new ArrayList<>();
        long t0 = System.nanoTime();
        DockerCli.Result r = docker.run(List.of("--network", "none", "--label", "dev.extfarm.test=" + dir.getFileName()),
                images.runtimeImage(), List.of("sh", "-c", "echo ran; exit 3"), Duration.ofMinutes(2), log::add);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.oomKilled()).isFalse();
        assertThat(log).contains("ran");
        assertThat(millis).as("run waited for docker rm").isLessThan(5_000);

        // the same for a run that reads the standard output as bytes
        t0 = System.nanoTime();
        byte[][] out = new byte[1][];
        r = docker.runReading(List.of("--network", "none", "--label", "dev.extfarm.test=" + dir.getFileName()),
                images.runtimeImage(), List.of("sh", "-c", "printf bytes"), Duration.ofMinutes(2), log::add, in -> out[0] = in.readAllBytes());
        millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exitCode()).isZero();
        assertThat(new String(out[0])).isEqualTo("bytes");
        assertThat(millis).as("runReading waited for docker rm").isLessThan(5_000);

        // both containers are gone once the slow removals have ended
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String left;
        do {
            Thread.sleep(500);
            left = docker.output("docker", "ps", "-aq", "--filter", "label=dev.extfarm.test=" + dir.getFileName()).strip();
        } while (!left.isEmpty() && System.nanoTime() < deadline);
        assertThat(left).as("containers left behind").isEmpty();
        assertThat(Files.readAllLines(dir.resolve("calls"))).containsExactlyInAnyOrder("run", "inspect", "rm", "run", "inspect", "rm");
    }
}
