package dev.extfarm.worker.pipeline;

import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

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
        String baseId = docker.output(docker.docker(), "image", "inspect", "-f", "{{.Id}}", base).strip();
        if (allInstalled(base, baseId, sorted)) {
            log.accept("##[extfarm] " + String.join(" ", sorted) + " already in " + base);
            return base;
        }
        String key = Digests.sha256((baseId + "\n" + String.join("\n", sorted)).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        String tag = ImageCatalog.DERIVED_REPOSITORY + ":" + key;
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
     * The smoke-test image's cluster: made by {@code initdb} once, when the image is prepared. The
     * smoke test starts PostgreSQL on it in place; each container writes into its own
     * copy-on-write layer, so every build starts from the same fresh cluster.
     */
    static final String TEMPLATE_CLUSTER = "/var/lib/extfarm/pgdata";

    /**
     * A copy of {@link #TEMPLATE_CLUSTER} made with it, for upstream's regression suite, which runs
     * after the smoke test in the same container: its server starts on a cluster the smoke test's
     * SQL never touched (no role, setting or object of the smoke test reaches the suite), at the
     * cost of a server start, not of a container and a copy per build.
     */
    static final String SUITE_CLUSTER = "/var/lib/extfarm/pgdata-suite";

    /**
     * {@code runtime} with PostgreSQL's extension, tsearch_data, contrib and lib directories owned
     * by its {@code postgres} user, and two initdb'd clusters of that user ({@link #TEMPLATE_CLUSTER}
     * and its copy {@link #SUITE_CLUSTER}), made once per image and reused: the smoke test then installs the bundle exactly where the
     * fetcher does (some extensions hard-code that path, e.g. unit's COPY of its .data files) while
     * running as that user with no capability at all, and starts the server without an initdb of
     * its own (2–3 s saved twice per build). Only the chown runs as root, with no network and no
     * recipe code; initdb runs as {@code postgres}.
     */
    String forSmokeTest(String runtime, int pgMajor, BuildLog log) throws IOException, InterruptedException {
        String runtimeId = docker.output(docker.docker(), "image", "inspect", "-f", "{{.Id}}", runtime).strip();
        String key = Digests.sha256((runtimeId + "\nsmoke-test " + pgMajor + " cluster " + TEMPLATE_CLUSTER + " suite " + SUITE_CLUSTER)
                .getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        String tag = ImageCatalog.DERIVED_REPOSITORY + ":smoke-" + key;
        if (docker.imageExists(tag)) {
            return tag;
        }
        String dirs = String.join(" ", bundleDirectories(pgMajor));
        log.accept("##[extfarm] preparing " + tag + ": " + runtime + " with " + dirs + " owned by postgres and clusters at "
                + TEMPLATE_CLUSTER + " and " + SUITE_CLUSTER);
        String parent = TEMPLATE_CLUSTER.substring(0, TEMPLATE_CLUSTER.lastIndexOf('/'));
        String script = "mkdir -p " + dirs + " && chown -R postgres:postgres " + dirs
                + " && install -d -o postgres -g postgres -m 0755 " + parent
                + " && runuser -u postgres -- /usr/lib/postgresql/" + pgMajor + "/bin/initdb -D " + TEMPLATE_CLUSTER
                + " -A trust -E UTF8 --no-instructions >/dev/null"
                + " && runuser -u postgres -- cp -a " + TEMPLATE_CLUSTER + " " + SUITE_CLUSTER;
        DockerCli.Result r = docker.run(List.of("--network", "none", "--user", "0"), runtime,
                List.of("bash", "-c", script), Duration.ofMinutes(5), log, tag);
        if (r.exitCode() != 0) {
            throw new BuildFailure(Step.BUILD_DEPS, "image-prepare-failed", BuildFailure.Responsibility.FARM, r.exitCode(),
                    "could not prepare the smoke-test image from " + runtime).toException();
        }
        return tag;
    }

    /**
     * The packages installed in each image, by image id (a content digest: a rebuilt image has
     * another), for every build of this worker: read once per image with one container (1–2 s on a
     * loaded machine), then every recipe's package set is checked against it without one.
     */
    private static final Map<String, Set<String>> INSTALLED = new ConcurrentHashMap<>();

    /** The common case: the builder image already carries the declared packages (no network needed). */
    private boolean allInstalled(String image, String imageId, TreeSet<String> packages) throws IOException, InterruptedException {
        Set<String> installed = imageId.isEmpty() ? null : INSTALLED.get(imageId);
        if (installed == null) {
            List<String> lines = new ArrayList<>();
            DockerCli.Result r = docker.run(List.of("--network", "none"), image,
                    List.of("dpkg-query", "-W", "-f", "${db:Status-Status} ${Package}\\n"), Duration.ofMinutes(2), lines::add);
            if (r.exitCode() != 0) {
                return false;
            }
            installed = new HashSet<>();
            for (String line : lines) {
                String[] f = line.strip().split(" ");
                if (f.length == 2 && f[0].equals("installed")) {
                    installed.add(f[1]);
                }
            }
            if (!imageId.isEmpty()) {
                INSTALLED.put(imageId, Set.copyOf(installed));
            }
        }
        return installed.containsAll(packages);
    }
}
