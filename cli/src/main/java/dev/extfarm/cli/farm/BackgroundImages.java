package dev.extfarm.cli.farm;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * build-images.sh for the targets after the first, run while the first target's builds run (the
 * worker serves a target as soon as its images are there). Detached like the services
 * ({@code setsid}, output in data/logs/images.log): `up --no-follow` returns while it goes on.
 */
final class BackgroundImages {

    private final Process process;
    private final Set<Integer> majors;

    private BackgroundImages(Process process, Set<Integer> majors) {
        this.process = process;
        this.majors = Set.copyOf(majors);
    }

    static BackgroundImages start(Path home, List<String> command, Path log, Set<Integer> majors) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        return new BackgroundImages(p, majors);
    }

    boolean running() {
        return process.isAlive();
    }

    /** The PostgreSQL majors of these targets once the image build has failed (their builds will not run); empty otherwise. */
    Set<Integer> failedMajors() {
        return !process.isAlive() && process.exitValue() != 0 ? majors : Set.of();
    }
}
