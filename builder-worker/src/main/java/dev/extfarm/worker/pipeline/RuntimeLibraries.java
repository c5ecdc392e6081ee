package dev.extfarm.worker.pipeline;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** The sonames a runtime image provides (its {@code ldconfig -p}), cached per image. */
final class RuntimeLibraries {

    private final DockerCli docker;
    private final Map<String, Set<String>> cache = new ConcurrentHashMap<>();

    RuntimeLibraries(DockerCli docker) {
        this.docker = docker;
    }

    Set<String> of(String image) throws IOException, InterruptedException {
        Set<String> known = cache.get(image);
        if (known != null) {
            return known;
        }
        List<String> lines = new ArrayList<>();
        DockerCli.Result r = docker.run(List.of("--network", "none"), image, List.of("ldconfig", "-p"),
                Duration.ofMinutes(2), lines::add);
        if (r.exitCode() != 0) {
            throw new IOException("cannot list the libraries of " + image + ": " + String.join("\n", lines));
        }
        Set<String> sonames = new TreeSet<>();
        for (String line : lines) {
            String t = line.strip();
            int sp = t.indexOf(' ');
            if (sp > 0 && t.contains("=>")) {
                sonames.add(t.substring(0, sp));
            }
        }
        cache.put(image, sonames);
        return sonames;
    }
}
