package dev.extfarm.worker.build;

import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A builder or runtime image plus the Debian packages a recipe declares, installed once with the
 * network on and committed, then reused by every build that asks for the same set. Builds
 * themselves never get the network.
 */
final class DerivedImages {

    private final DockerCli docker;

    DerivedImages(DockerCli docker) {
        this.docker = docker;
    }

    String ensure(String base, List<String> packages, BuildLog log) throws IOException, InterruptedException {
        if (packages.isEmpty()) {
            return base;
        }
        TreeSet<String> sorted = new TreeSet<>(packages);
        if (allInstalled(base, sorted)) {
            log.accept("##[extfarm] " + String.join(" ", sorted) + " already in " + base);
            return base;
        }
        String baseId = docker.output(docker.docker(), "image", "inspect", "-f", "{{.Id}}", base).strip();
        String key = Digests.sha256((baseId + "\n" + String.join("\n", sorted)).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        String tag = "extfarm/derived:" + key;
        if (docker.imageExists(tag)) {
            log.accept("##[extfarm] using " + tag + " (" + base + " + " + String.join(" ", sorted) + ")");
            return tag;
        }
        log.accept("##[extfarm] installing " + String.join(" ", sorted) + " into " + base + " as " + tag);
        String script = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
                + String.join(" ", sorted) + " && apt-get clean && rm -rf /var/lib/apt/lists/*";
        List<String> lines = new ArrayList<>();
        DockerCli.Result r = docker.run(List.of("--network", "host", "--user", "0"), base, List.of("bash", "-c", script),
                Duration.ofMinutes(20), line -> {
                    lines.add(line);
                    log.accept(line);
                }, tag);
        if (r.exitCode() != 0) {
            String all = String.join("\n", lines);
            if (all.contains("Unable to locate package") || all.contains("has no installation candidate")) {
                throw new BuildFailure(Step.BUILD_DEPS, "missing-build-dependency", BuildFailure.Responsibility.RECIPE,
                        r.exitCode(), "a package in build_packages/runtime_packages does not exist in this suite: "
                        + lines.stream().filter(l -> l.contains("Unable to locate") || l.contains("no installation candidate"))
                        .findFirst().orElse("see the log")).toException();
            }
            throw new BuildFailure(Step.BUILD_DEPS, "package-install-failed", BuildFailure.Responsibility.FARM, r.exitCode(),
                    "apt-get could not install the declared packages (mirror unreachable?)").toException();
        }
        return tag;
    }

    /** PostgreSQL's directories a bundle installs into (Debian's layout), for {@link #forSmokeTest}. */
    static List<String> bundleDirectories(int pgMajor) {
        return List.of("/usr/share/postgresql/" + pgMajor + "/extension", "/usr/share/postgresql/" + pgMajor + "/tsearch_data",
                "/usr/share/postgresql/" + pgMajor + "/contrib", "/usr/lib/postgresql/" + pgMajor + "/lib");
    }

    /**
     * {@code runtime} with PostgreSQL's extension, tsearch_data, contrib and lib directories owned
     * by its {@code postgres} user, made once per image and reused: the smoke test then installs
     * the bundle exactly where the fetcher does (some extensions hard-code that path, e.g. unit's
     * COPY of its .data files) while running as that user with no capability at all. Only this
     * chown runs as root, with no network and no recipe code.
     */
    String forSmokeTest(String runtime, int pgMajor, BuildLog log) throws IOException, InterruptedException {
        String runtimeId = docker.output(docker.docker(), "image", "inspect", "-f", "{{.Id}}", runtime).strip();
        String key = Digests.sha256((runtimeId + "\nsmoke-test " + pgMajor).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        String tag = "extfarm/derived:smoke-" + key;
        if (docker.imageExists(tag)) {
            return tag;
        }
        String dirs = String.join(" ", bundleDirectories(pgMajor));
        log.accept("##[extfarm] preparing " + tag + ": " + runtime + " with " + dirs + " owned by postgres");
        DockerCli.Result r = docker.run(List.of("--network", "none", "--user", "0"), runtime,
                List.of("bash", "-c", "mkdir -p " + dirs + " && chown -R postgres:postgres " + dirs), Duration.ofMinutes(5), log, tag);
        if (r.exitCode() != 0) {
            throw new BuildFailure(Step.BUILD_DEPS, "image-prepare-failed", BuildFailure.Responsibility.FARM, r.exitCode(),
                    "could not prepare the smoke-test image from " + runtime).toException();
        }
        return tag;
    }

    /** The common case: the builder image already carries the declared packages (no network needed). */
    private boolean allInstalled(String image, TreeSet<String> packages) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("dpkg-query", "-W", "-f", "${db:Status-Status}\\n"));
        cmd.addAll(packages);
        List<String> lines = new ArrayList<>();
        DockerCli.Result r = docker.run(List.of("--network", "none"), image, cmd, Duration.ofMinutes(2), lines::add);
        return r.exitCode() == 0 && lines.size() == packages.size() && lines.stream().allMatch(l -> l.strip().equals("installed"));
    }
}
