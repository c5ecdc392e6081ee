package dev.extfarm.worker.pipeline;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import dev.extfarm.bundle.TreeInspector;
import dev.extfarm.worker.pipeline.BuildFailure.Responsibility;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One build, end to end on a Docker engine: derived images for declared packages, the recipe's
 * steps in a build container (no network, non-root, limits), collection into the bundle layout,
 * dependency bundling, a smoke test in a clean runtime container followed in the same container
 * by upstream's regression suite ({@link TestContainer}, {@link Installcheck}), and the
 * deterministic pack.
 */
public final class BuildPipeline {

    /** The runtime images' PostgreSQL user (Debian's postgres package creates it): the smoke test runs as it. */
    static final String SMOKE_TEST_USER = "postgres";
    /** Where build.sh builds: a fixed path, so that -ffile-prefix-map makes objects reproducible. */
    public static final String SOURCE_DIR = "/build/src";
    /** Where a reproducibility rebuild builds: another path, so that an embedded build path shows as a difference. */
    public static final String REBUILD_SOURCE_DIR = "/build/rebuilt-src";

    private final DockerCli docker;
    private final DerivedImages derived;
    private final RuntimeLibraries runtimeLibraries;
    private final BuildLimits limits;
    private final TestContainer tests;
    private final CompatibilityFloors floors;

    public BuildPipeline(DockerCli docker, BuildLimits limits) {
        this.docker = docker;
        this.derived = new DerivedImages(docker);
        this.runtimeLibraries = new RuntimeLibraries(docker);
        this.limits = limits;
        this.tests = new TestContainer(docker, limits);
        this.floors = new CompatibilityFloors(docker);
    }

    /** Builds {@code job} in {@code work} (created if missing; left for inspection), outside the queue: no farm dependencies. */
    public BuildOutcome run(BuildJob job, BuildImages images, Path work, BuildLog log) throws InterruptedException {
        return run(job, images, work, log, BundleDependencies.NONE);
    }

    /** The same, with the farm's bundles the bundle requires installed for its smoke test. */
    public BuildOutcome run(BuildJob job, BuildImages images, Path work, BuildLog log, BundleDependencies dependencies)
            throws InterruptedException {
        return run(job, images, work, log, dependencies, SOURCE_DIR);
    }

    /** The same, building in {@code sourceDir} ({@link #SOURCE_DIR} or {@link #REBUILD_SOURCE_DIR}) in the container. */
    public BuildOutcome run(BuildJob job, BuildImages images, Path work, BuildLog log, BundleDependencies dependencies,
                            String sourceDir) throws InterruptedException {
        if (!sourceDir.equals(SOURCE_DIR) && !sourceDir.equals(REBUILD_SOURCE_DIR)) {
            throw new IllegalArgumentException("build directory " + sourceDir);
        }
        AtomicReference<RegressionReport> regression = new AtomicReference<>();
        try {
            Path bundle = build(job, images, work, log, dependencies, sourceDir, regression);
            log.close();
            return BuildOutcome.success(bundle, packed, log.timings(), Optional.ofNullable(regression.get()));
        } catch (BuildFailure.Exception e) {
            log.accept("##[extfarm] build failed at " + e.failure().step().id() + ": " + e.failure().cause() + ": " + e.failure().message());
            log.close();
            return BuildOutcome.failed(e.failure(), log.timings(), Optional.ofNullable(regression.get()));
        } catch (IOException e) {
            Step step = log.current() == null ? Step.BUILD : log.current();
            String cause = e.getMessage() != null && e.getMessage().contains("No space left") ? "disk-full" : "worker-io-error";
            log.accept("##[extfarm] farm fault at " + step.id() + ": " + e);
            log.close();
            return BuildOutcome.failed(new BuildFailure(step, cause, Responsibility.FARM, -1, String.valueOf(e.getMessage())), log.timings(),
                    Optional.empty());
        }
    }

    private BundleWriter.Packed packed;

    private Path build(BuildJob job, BuildImages images, Path work, BuildLog log, BundleDependencies dependencies,
                       String sourceDir, AtomicReference<RegressionReport> regression) throws IOException, InterruptedException {
        log.enter(Step.VERIFY_SOURCE);
        String actual;
        try (InputStream in = Files.newInputStream(job.sourceArchive())) {
            actual = Digests.sha256(in);
        }
        if (!actual.equals(job.sourceSha256())) {
            throw new BuildFailure(Step.VERIFY_SOURCE, "checksum-mismatch", Responsibility.RECIPE, 0,
                    "the source has sha-256 " + actual + " but the recipe pins " + job.sourceSha256()).toException();
        }
        log.accept("##[extfarm] source " + job.sourceArchive().getFileName() + " sha-256 " + actual + " verified");

        log.enter(Step.BUILD_DEPS);
        List<String> buildPackages = new ArrayList<>(job.buildPackages());
        job.commands().toolPackages().stream().filter(p -> !buildPackages.contains(p)).forEach(buildPackages::add);
        String buildImage = derived.ensure(images.buildImage(), buildPackages, log);
        String runtimeImage = derived.ensure(images.runtimeImage(), job.runtimePackages(), log);
        String smokeImage = derived.forSmokeTest(runtimeImage, job.pgMajor(), log);
        Set<String> systemLibs = runtimeLibraries.of(runtimeImage);

        Path jobDir = prepareJobDir(job, work.resolve("job"), systemLibs);
        Path out = work.resolve("out");
        Files.createDirectories(out);
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));

        List<String> options = new ArrayList<>(List.of("--network", "none", "--user", "1000:1000",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--memory", String.valueOf(limits.memoryBytes()), "--memory-swap", String.valueOf(limits.memoryBytes()),
                "--pids-limit", String.valueOf(limits.pids()), "--cpus", String.valueOf(limits.cpus()),
                "-v", jobDir + ":/job:ro", "-v", out + ":/out",
                "-e", "EXTFARM_PG_MAJOR=" + job.pgMajor(), "-e", "EXTFARM_NAME=" + job.name(),
                "-e", "EXTFARM_SOURCE_FILE=" + sourceFileName(job), "-e", "EXTFARM_SUBDIR=" + job.subdir().orElse(""),
                "-e", "EXTFARM_BUILD_SYSTEM=" + job.commands().system().yamlName(),
                "-e", "SOURCE_DATE_EPOCH=" + job.sourceDateEpoch(), "-e", "HOME=/build", "-e", "LC_ALL=C.UTF-8", "-e", "TZ=UTC"));
        job.env().forEach((k, v) -> options.addAll(List.of("-e", k + "=" + v)));
        options.addAll(List.of("-e", "EXTFARM_SRC_DIR=" + sourceDir)); // after the recipe's env: it cannot choose
        log.enter(Step.PATCH);
        DockerCli.Result r = docker.run(options, buildImage, List.of("bash", "/job/build.sh"), limits.wallTime(), log);
        if (r.exitCode() != 0 || r.timedOut()) {
            throw FailureClassifier.classify(log.current(), r, log.tail()).toException();
        }

        log.enter(Step.COLLECT);
        Path tree = work.resolve("tree");
        TreeCollector collector = new TreeCollector(job.name(), job.pgMajor(), tree, log);
        r = OutputExport.run(docker, images.buildImage(), out, log, collector::read);
        if (r.daemonError() || r.timedOut() || r.oomKilled()) {
            throw FailureClassifier.classify(Step.COLLECT, r, log.tail()).toException();
        }
        if (r.exitCode() != 0) {
            throw new BuildFailure(Step.COLLECT, "output-unreadable", Responsibility.RECIPE, r.exitCode(),
                    "the build left files in /out that its own user cannot read (tar exited with " + r.exitCode() + "): "
                            + FailureClassifier.grep(log.tail(), "tar: ")).toException();
        }
        TreeCollector.Collected collected = collector.finish(job.stripLibdir());
        // a library bundle (a preload-only module, an output plugin) has modules in lib/ and no control file
        if (!Files.isDirectory(tree.resolve("share/extension")) && TreeInspector.modules(tree).isEmpty()) {
            throw new BuildFailure(Step.COLLECT, "nothing-installed", Responsibility.RECIPE, 0,
                    "the install put no control file under share/postgresql/" + job.pgMajor() + "/extension and no module (a .so) "
                            + "under lib/postgresql/" + job.pgMajor() + "/lib").toException();
        }

        SpdxSbom.write(tree, job, images, collected.bundled());
        BundleManifest.Builder manifest = BundleManifest.builder().name(job.name()).version(job.version())
                .pgMajor(job.pgMajor()).platform(Platform.parse(images.platform())).license(job.license())
                .sharedPreload(job.sharedPreload()).preload(job.preload())
                .bundledLibraries(collected.bundledLibraries()).systemLibraries(collected.systemLibraries())
                .licenses(collected.licenseFiles()).sbom(SpdxSbom.FILE)
                .build(new BundleManifest.BuildInputs(job.recipeRevision(), job.sourceSha256(), images.packagesDigest(), job.sourceDateEpoch(),
                        job.sourceUrl().orElse(null)));
        BundleManifest m;
        try {
            TreeInspector.infer(tree, job.name(), manifest);
            m = manifest.build();
        } catch (IllegalArgumentException e) { // a control file the build installed does not parse
            throw new BuildFailure(Step.COLLECT, "invalid-control-file", Responsibility.RECIPE, 0, String.valueOf(e.getMessage())).toException();
        }
        m = m.withCompatibility(floors.of(tree, images.buildImage(), job.pgMajor()));
        log.accept("##[extfarm] floors: built against PostgreSQL " + m.compatibility().builtAgainst() + ", "
                + m.compatibility().serverSymbols().size() + " server symbols imported, newest glibc version needed "
                + (m.compatibility().glibc() == null ? "none" : m.compatibility().glibc()));
        if (m.extensions().isEmpty() && !job.testExtensions().isEmpty()) {
            throw new BuildFailure(Step.COLLECT, "nothing-installed", Responsibility.RECIPE, 0,
                    "no control file was installed, but test.extensions names " + job.testExtensions()).toException();
        }
        if (m.extensions().isEmpty()) {
            log.accept("##[extfarm] a library bundle (no control file): " + String.join(", ", m.libraries())
                    + "; the smoke test LOADs each");
        }

        log.enter(Step.SMOKE_TEST);
        Path deps = work.resolve("deps");
        List<String> dependencyOrder = SmokeTestDependencies.fetch(dependencies, m, images.platform(), deps, log);
        List<String> extensions = job.testExtensions().isEmpty() ? m.extensions() : job.testExtensions();
        String preload = SmokeTestConf.sharedPreload(job, m.libraries());
        // the job directory is read-only in the container and the host's own: written now that the bundle's modules are known
        Files.writeString(jobDir.resolve("test-settings.conf"), SmokeTestConf.settings(job, m.libraries()));
        // the smoke test, then upstream's suite in the same container (a reproducibility rebuild compares bytes: no suite)
        tests.run(job, smokeImage, new TestContainer.Subject(extensions, m.extensions().isEmpty() ? m.libraries() : List.of(), preload),
                tree, jobDir, out, deps, dependencyOrder, Installcheck.notRun(job, out, !sourceDir.equals(SOURCE_DIR)), work, log,
                regression);

        log.enter(Step.PACK);
        Path bundle = work.resolve("bundle.tar");
        try {
            packed = BundleWriter.pack(tree, m, job.sourceDateEpoch(), bundle);
        } catch (BundleRejectedException e) {
            throw new BuildFailure(Step.PACK, "bundle-rejected", Responsibility.RECIPE, 0,
                    e.rule().id() + ": " + e.entry() + ": " + e.detail()).toException();
        }
        log.accept("##[extfarm] packed " + packed.address().path() + " (" + packed.size() + " bytes, "
                + m.bundledLibraries().size() + " bundled libraries)");
        return bundle;
    }

    private static String sourceFileName(BuildJob job) {
        String n = job.sourceArchive().getFileName().toString();
        for (String ext : List.of(".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst", ".tar", ".zip")) {
            if (n.endsWith(ext)) {
                return "source" + ext;
            }
        }
        return "source.tar.gz"; // content-addressed cache files have no extension; tar detects the compression
    }

    private static Path prepareJobDir(BuildJob job, Path dir, Set<String> systemLibs) throws IOException {
        Files.createDirectories(dir.resolve("patches"));
        Files.copy(job.sourceArchive(), dir.resolve(sourceFileName(job)));
        copyResource("build.sh", dir.resolve("build.sh"));
        copyResource("smoke-test.sh", dir.resolve("smoke-test.sh"));
        copyResource("test-server.sh", dir.resolve("test-server.sh"));
        List<String> order = new ArrayList<>();
        for (Map.Entry<String, byte[]> p : job.patches()) {
            Files.write(dir.resolve("patches").resolve(p.getKey()), p.getValue());
            order.add(p.getKey());
        }
        Files.write(dir.resolve("patches.list"), order, StandardCharsets.UTF_8);
        Files.write(dir.resolve("make_flags"), job.makeFlags(), StandardCharsets.UTF_8);
        // one argument per NUL-terminated item, read with mapfile -d '': no separator inside an argument to confuse
        Files.write(dir.resolve("configure_args"), nulTerminated(job.commands().configureArgs()));
        Files.write(dir.resolve("cmake_args"), nulTerminated(job.commands().cmakeArgs()));
        Files.createDirectories(dir.resolve("commands"));
        writeCommands(dir.resolve("commands"), "build", job.commands().buildCommands());
        writeCommands(dir.resolve("commands"), "install", job.commands().installCommands());
        Files.write(dir.resolve("runtime-libs.txt"), systemLibs, StandardCharsets.UTF_8);
        if (job.preBuild().isPresent()) {
            Files.writeString(dir.resolve("pre_build.sh"), job.preBuild().get() + "\n");
        }
        if (job.testExpect().isPresent()) {
            Files.writeString(dir.resolve("test.expect"), job.testExpect().get());
        }
        if (job.testSql().isPresent()) {
            Files.writeString(dir.resolve("test.sql"), job.testSql().get() + "\n");
        }
        Installcheck.writeJobFiles(job, dir);
        try (var s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return dir;
    }

    private static byte[] nulTerminated(List<String> args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            if (a.indexOf('\0') >= 0) { // lint refuses it; a revision stored before the rule must not split an argument
                throw new BuildFailure(Step.FETCH, "invalid-recipe", Responsibility.RECIPE, 0,
                        "a configure or cmake argument contains a NUL character").toException();
            }
            b.append(a).append('\0');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** build.system script: each command a file {@code <kind>-<n>.sh}, run in order by build.sh. */
    private static void writeCommands(Path dir, String kind, List<String> commands) throws IOException {
        for (int i = 0; i < commands.size(); i++) {
            Files.writeString(dir.resolve(String.format("%s-%03d.sh", kind, i + 1)), commands.get(i) + "\n");
        }
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = BuildPipeline.class.getResourceAsStream(name)) {
            Files.copy(in, to);
        }
    }
}
