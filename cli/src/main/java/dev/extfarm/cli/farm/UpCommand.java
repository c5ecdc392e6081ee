package dev.extfarm.cli.farm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.LocalFarm;
import dev.extfarm.cli.config.CliEnvironment;
import dev.extfarm.cli.exit.UsageException;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.recipe.source.SourceMirrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"The quickstart: build what is missing, make sure Docker runs, build the builder images,",
                "start the registry (embedded PostgreSQL, files under ./data) and a worker, push every recipe",
                "in recipes/, follow the builds and print a summary. Run it again: nothing is rebuilt.",
                "Exit 0 when the farm ran, whatever the extensions did; 1 when the farm itself could not run."},
        footer = {"", "Examples:", "  ./extfarm up", "  ./extfarm up --targets bookworm-pg15 --recipes recipes/vector recipes/semver",
                "  ./extfarm up --port 7790 --data /tmp/farm2   (a second farm beside the first)",
                "  ./extfarm up --source-mirror /mnt/usb/sources   (a farm without internet; see: extfarm sources mirror)"})
public final class UpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "7780", description = "registry port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--targets", split = ",", defaultValue = "bookworm-pg15,trixie-pg17,sid-pg18",
            description = "builder image targets to build for (default: ${DEFAULT-VALUE})")
    List<String> targets;

    @Option(names = "--recipes", arity = "1..*", description = "recipe directories (default: every directory in recipes/)")
    List<Path> recipes;

    @Option(names = "--image-cache", description = "docker save cache of builder images (default: /var/cache/extfarm/images)")
    Path imageCache;

    @Option(names = "--timeout", defaultValue = "60m", description = "how long to follow builds (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--no-follow", description = "push and return without waiting for the builds")
    boolean noFollow;

    @Option(names = "--follow-rebuilds", description = "also wait for the reproducibility rebuilds (each new bundle is "
            + "built a second time at low priority and compared), so that the summary gives every verdict")
    boolean followRebuilds;

    @Option(names = "--worker-port", paramLabel = "PORT", description = "the worker's health and metrics port on 127.0.0.1 (default: --port + 1)")
    Integer workerPort;

    @Option(names = "--data", paramLabel = "DIR", description = "state directory: database, bundles, logs, tokens (default: $EXTFARM_DATA_DIR, else ./data)")
    Path dataOption;

    @Option(names = "--source-cache", paramLabel = "DIR",
            description = "where the worker keeps verified upstream sources (default: $EXTFARM_SOURCE_CACHE, else DATA/sources)")
    Path sourceCache;

    @Option(names = "--source-mirror", paramLabel = "DIR",
            description = {"a source mirror (sha256/<hex>, <host>/<path>.bundle; fill one with: extfarm sources mirror DIR) the worker",
                    "reads sources from before the network; repeatable, tried in order, then those of $EXTFARM_SOURCE_MIRRORS",
                    "(default without either: /var/cache/extfarm/sources when it exists)"})
    List<Path> sourceMirrors;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "2",
            description = {"builds the worker runs side by side (default: ${DEFAULT-VALUE}: while one compiles, another starts",
                    "its containers or runs its tests; each build is limited to 2 CPUs and its memory limit)"})
    int concurrency;

    /** The CLI's own credentials and the registry's settings, which the worker must not inherit. */
    static final List<String> WORKER_UNSET = List.of("EXTFARM_TOKEN", "EXTFARM_ADMIN_TOKEN", "EXTFARM_DATA_DIR",
            "EXTFARM_SIGNING_KEY_FILE", "EXTFARM_DB_URL", "EXTFARM_DB_USER", "EXTFARM_DB_PASSWORD");

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (concurrency < 1 || concurrency > 16) {
            throw new UsageException("--concurrency " + concurrency + ": between 1 and 16 builds at once");
        }
        Path home = LocalFarm.home();
        Path data = dataOption != null ? dataOption.toAbsolutePath().normalize() : LocalFarm.dataDir();
        FarmLayout layout = new FarmLayout(data);
        Path sources = sourceCache != null ? sourceCache.toAbsolutePath()
                : CliEnvironment.get("EXTFARM_SOURCE_CACHE").map(Path::of).orElse(layout.sources());
        Optional<String> mirrors = sourceMirrorSetting(sourceMirrors, CliEnvironment.get(SourceMirrors.ENV));
        URI registry = URI.create("http://127.0.0.1:" + port);
        Services services = new Services(data);
        long t0 = System.nanoTime();

        step("1/6", "building the registry and the worker (skipped when up to date)");
        Artifacts.ensureBuilt(home, out);

        step("2/6", "checking the Docker engine");
        if (!Shell.run(home, out, "infra/docker/ensure-docker.sh")) {
            throw new IOException("no Docker engine; as root run: infra/docker/ensure-docker.sh (Debian's docker.io + dockerd --bridge=none)");
        }

        // The first target's images now; the others' in the background while the first target's
        // builds run (the worker serves each target as soon as its images are there).
        List<String> later = targets.subList(1, targets.size());
        step("3/6", "builder images for " + targets.get(0)
                + (later.isEmpty() ? "" : " (" + String.join(", ", later) + ": in the background, while its builds run)"));
        if (!Shell.run(home, out, imageCommand(List.of(targets.get(0))).toArray(String[]::new))) {
            throw new IOException("building the builder images failed; see the output above");
        }
        BackgroundImages laterImages = later.isEmpty() ? null
                : BackgroundImages.start(home, imageCommand(later), services.log("images"), servedMajors(later));

        step("4/6", "registry and worker");
        var reg = services.running("registry");
        List<String> moved = layout.prepare(reg.isPresent());
        if (!moved.isEmpty()) {
            out.println("data:     moved the registry's " + String.join(", ", moved) + " into " + layout.registry());
        }
        if (reg.isEmpty() && Services.portInUse(port)) {
            throw new IOException("port " + port + " on 127.0.0.1 is in use by a process `extfarm up` did not start; "
                    + "stop it or choose another port with --port");
        }
        if (reg.isEmpty() || !Services.healthy(registry)) {
            reg = Optional.of(services.start("registry", List.of("java", "-jar",
                    home.resolve("registry-server/target/quarkus-app/quarkus-run.jar").toString()),
                    Map.of("EXTFARM_DATA_DIR", layout.registry().toString(), "EXTFARM_PORT", String.valueOf(port)), layout.registry()));
            if (!Services.waitHealthy(registry, reg.get(), Duration.ofSeconds(90))) {
                throw new IOException("the registry did not become healthy; see " + services.log("registry"));
            }
        }
        out.println("registry: " + registry + "   (log: " + services.log("registry") + ")");
        Tokens tokens = new Tokens(layout);
        ApiClient admin = new ApiClient(registry, tokens.admin());
        Path targetsFile = data.resolve("run/worker.targets");
        // a worker started for other targets or other source mirrors is restarted
        String wanted = String.join(",", targets) + mirrors.map(m -> " source-mirrors " + m).orElse("")
                + (concurrency == 1 ? "" : " concurrency " + concurrency);
        if (services.running("worker").isPresent() && !(Files.exists(targetsFile) && Files.readString(targetsFile).strip().equals(wanted))) {
            out.println("worker:   restarting it for " + wanted.replace(" source-mirrors ", ", source mirrors ")
                    .replace(" concurrency ", ", builds at once: "));
            services.stop("worker", Duration.ofSeconds(60));
        }
        int workerPort = this.workerPort != null ? this.workerPort : port + 1;
        if (services.running("worker").isEmpty()) {
            if (Services.portInUse(workerPort)) {
                throw new IOException("port " + workerPort + " on 127.0.0.1 (the worker's) is in use by another process; "
                        + "choose another with --worker-port");
            }
            ProcessHandle worker = services.start("worker", List.of("java", "-jar", home.resolve("builder-worker/target/quarkus-app/quarkus-run.jar").toString()),
                    workerEnvironment(registry, tokens.worker(admin), layout.worker(), sources, workerPort, mirrors), layout.worker(), WORKER_UNSET);
            // A worker that cannot start (its port taken meanwhile, no Docker access) must stop `up` here,
            // not leave it following builds nobody will run.
            if (!Services.waitHealthy(URI.create("http://127.0.0.1:" + workerPort), worker, Duration.ofSeconds(120))) {
                services.stop("worker", Duration.ofSeconds(10));
                throw new IOException("the worker did not start; see " + services.log("worker"));
            }
            Files.writeString(targetsFile, wanted + "\n");
        }
        out.println("worker:   running for " + String.join(", ", targets) + ", " + concurrency + " builds at once   (log: "
                + services.log("worker") + ")");
        out.println("sources:  cache " + sources + ", " + mirrors.map(m -> "source mirrors " + m)
                .orElse(Files.isDirectory(SourceMirrors.DEFAULT) ? "source mirror " + SourceMirrors.DEFAULT : "no source mirror"));

        step("5/6", "pushing recipes");
        ApiClient maintainer = new ApiClient(registry, tokens.maintainer(admin));
        List<Long> scheduled = new ArrayList<>();
        TreeSet<Integer> served = servedMajors();
        TreeSet<Integer> unserved = new TreeSet<>();
        TreeSet<String> names = new TreeSet<>();
        for (Path dir : recipeDirs(home)) {
            JsonNode r = maintainer.post("/api/v1/recipes", ApiClient.JSON.readTree(RecipeTransport.toJson(RecipeBundle.readDirectory(dir))));
            names.add(r.path("extension").asText());
            int n = 0;
            for (JsonNode b : r.path("scheduled")) {
                if (served.contains(b.path("pg_major").asInt())) {
                    scheduled.add(b.path("build_id").asLong());
                } else {
                    unserved.add(b.path("pg_major").asInt());
                }
                n++;
            }
            out.printf("  %-12s %s%n", r.path("extension").asText(), n == 0 ? "unchanged, nothing scheduled" : n + " builds scheduled");
        }

        // Builds queued earlier (an earlier `up` with other targets, a push from elsewhere) are followed too.
        for (String status : List.of("queued", "running")) {
            JsonNode page = admin.get("/api/v1/builds?status=" + status + "&size=200");
            for (JsonNode b : page.path("items")) {
                long id = b.path("id").asLong();
                if (names.contains(b.path("extension").asText()) && served.contains(b.path("pg_major").asInt()) && !scheduled.contains(id)
                        && !BuildFollower.isRebuild(b)) { // rebuilds run at low priority after the builds: --follow-rebuilds
                    scheduled.add(id);
                }
            }
        }
        unserved.removeAll(served);
        if (!unserved.isEmpty()) {
            out.println("  note: builds for PostgreSQL " + unserved + " stay queued: no worker here serves them"
                    + " (add their targets with --targets)");
        }
        step("6/6", noFollow ? "not following builds (--no-follow)" : "following " + scheduled.size() + " builds");
        if (laterImages != null) {
            out.println("  images for " + String.join(", ", later) + " are being built in the background (log: "
                    + services.log("images") + "); their builds start when they are ready");
        }
        BuildFollower follower = new BuildFollower(admin, out);
        if (!noFollow) {
            Duration limit = parseDuration(timeout);
            follower.follow(scheduled, limit, laterImages == null ? Set::of : laterImages::failedMajors);
            if (followRebuilds) {
                out.println("  following the reproducibility rebuilds");
                follower.followRebuilds(names, served, limit.minusNanos(System.nanoTime() - t0));
            }
        }
        follower.summary(names);
        follower.sourceHint().ifPresent(out::println);
        out.printf("%nDone in %d s.%n", (System.nanoTime() - t0) / 1_000_000_000L);
        out.println("  web UI and API:  " + registry + "/  (builds: " + registry + "/api/v1/builds)");
        out.println("  admin token:     " + layout.adminToken());
        out.println("  fetch a bundle:  curl -O " + registry + "/extensions/<name>/sha-256+<hex>/bundle.tar"
                + "   (addresses: ./extfarm builds, or " + registry + "/api/v1/extensions/<name>)");
        out.println("  verify it:       curl -O <that URL>.sig && curl -so keys.json " + registry + "/api/v1/keys"
                + " && ./extfarm bundle verify bundle.tar --signature bundle.tar.sig --keys keys.json");
        out.println("  stop:            ./extfarm down" + (data.equals(LocalFarm.home().resolve("data")) ? "" : " --data " + data));
        if (laterImages != null && !laterImages.failedMajors().isEmpty()) {
            out.println("images:   building the images for " + String.join(", ", later) + " failed (see " + services.log("images")
                    + "); their builds stay queued until the images are there (./extfarm up again)");
            return 1;
        }
        if (laterImages != null && laterImages.running()) {
            out.println("images:   still building for " + String.join(", ", later) + " in the background (log: " + services.log("images") + ")");
        }
        return 0;
    }

    /**
     * The worker's environment. With source mirrors ({@code --source-mirror}, else the inherited
     * {@value SourceMirrors#ENV}) the worker reads sources from them before the network.
     */
    Map<String, String> workerEnvironment(URI registry, String token, Path workDir, Path sourceCache, int workerPort,
            Optional<String> mirrors) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("EXTFARM_WORKER_REGISTRY", registry.toString());
        env.put("EXTFARM_WORKER_TOKEN", token);
        env.put("EXTFARM_WORKER_TARGETS", String.join(",", targets));
        env.put("EXTFARM_WORKER_WORK_DIR", workDir.toString());
        env.put("EXTFARM_WORKER_SOURCE_CACHE", sourceCache.toString());
        env.put("EXTFARM_WORKER_PORT", String.valueOf(workerPort));
        env.put("EXTFARM_WORKER_CONCURRENCY", String.valueOf(concurrency));
        mirrors.ifPresent(m -> env.put(SourceMirrors.ENV, m));
        return env;
    }

    /**
     * {@value SourceMirrors#ENV} for the worker: the {@code --source-mirror} directories (absolute,
     * each an existing directory: a typo must not silently leave the farm without its sources), then
     * those the environment already names; empty when neither gives one (the worker's default applies).
     */
    static Optional<String> sourceMirrorSetting(List<Path> options, Optional<String> inherited) throws IOException {
        List<String> dirs = new ArrayList<>();
        for (Path dir : options == null ? List.<Path>of() : options) {
            Path abs = dir.toAbsolutePath().normalize();
            if (!Files.isDirectory(abs)) {
                throw new IOException("--source-mirror " + dir + ": no such directory (a source mirror is a directory; "
                        + "fill one with: ./extfarm sources mirror " + dir + ")");
            }
            if (abs.toString().contains(":")) {
                throw new IOException("--source-mirror " + dir + ": a path with ':' cannot be passed in " + SourceMirrors.ENV);
            }
            dirs.add(abs.toString());
        }
        if (dirs.isEmpty()) {
            return inherited;
        }
        inherited.ifPresent(dirs::add);
        return Optional.of(String.join(":", dirs));
    }

    /** build-images.sh for {@code some} targets, with the image cache. */
    List<String> imageCommand(List<String> some) {
        List<String> cmd = new ArrayList<>(List.of("infra/builder-images/build-images.sh", "--cache",
                (imageCache != null ? imageCache : Path.of("/var/cache/extfarm/images")).toString()));
        cmd.addAll(some);
        return cmd;
    }

    private TreeSet<Integer> servedMajors() {
        return servedMajors(targets);
    }

    /** bookworm-pg15 → 15 */
    static TreeSet<Integer> servedMajors(List<String> targets) {
        TreeSet<Integer> majors = new TreeSet<>();
        for (String t : targets) {
            Matcher m = Pattern.compile("-pg(\\d+)$").matcher(t);
            if (m.find()) {
                majors.add(Integer.parseInt(m.group(1)));
            }
        }
        return majors;
    }

    private List<Path> recipeDirs(Path home) throws IOException {
        if (recipes != null && !recipes.isEmpty()) {
            return recipes;
        }
        try (Stream<Path> s = Files.list(home.resolve("recipes"))) {
            return s.filter(p -> Files.exists(p.resolve("recipe.yaml"))).sorted().toList();
        }
    }

    private void step(String n, String what) {
        out.println("[" + n + "] " + what);
        out.flush();
    }

    static Duration parseDuration(String s) {
        String t = s.strip().toLowerCase();
        long v = Long.parseLong(t.replaceAll("[a-z]+$", ""));
        return t.endsWith("h") ? Duration.ofHours(v) : t.endsWith("m") ? Duration.ofMinutes(v) : Duration.ofSeconds(v);
    }

    /**
     * Admin token from the registry's first start (in its own directory); worker and maintainer
     * tokens created once and kept in the CLI's part of the data directory, never the worker's.
     */
    static final class Tokens {
        private final FarmLayout layout;

        Tokens(FarmLayout layout) {
            this.layout = layout;
        }

        String admin() throws IOException {
            return LocalFarm.adminToken(layout.data()).orElseThrow(() -> new IOException("no admin token in " + layout.adminToken()));
        }

        String worker(ApiClient admin) throws IOException, InterruptedException {
            return stored(layout.workerToken(), admin, "worker");
        }

        String maintainer(ApiClient admin) throws IOException, InterruptedException {
            return stored(layout.maintainerToken(), admin, "maintainer");
        }

        private String stored(Path f, ApiClient admin, String role) throws IOException, InterruptedException {
            if (Files.exists(f)) {
                return Files.readString(f).strip();
            }
            JsonNode r = admin.post("/api/v1/admin/tokens", Map.of("role", role, "label", "quickstart " + role));
            String token = r.path("token").asText();
            FarmLayout.writeSecret(f, token + "\n");
            return token;
        }
    }


}
