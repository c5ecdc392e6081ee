package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.recipe.source.SourceFetcherConfig;
import dev.extfarm.recipe.source.SourceMirrors;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real recipe in recipes/ built from its real upstream source for one target (CI:
 * bookworm-pg15): the bundle passes the smoke test in a clean runtime image (CREATE EXTENSION +
 * the recipe's test SQL), and every ELF file in lib/ has RUNPATH exactly $ORIGIN. Sources come
 * from the local cache only (`./extfarm recipe fetch recipes/* --cache ...` fills it); the test
 * sends no traffic outside this machine.
 */
class RealRecipesBuildTest {

    static final Path RECIPES = Path.of("..", "recipes");
    static final Path SOURCE_CACHE = Path.of(System.getProperty("extfarm.source-cache",
            System.getenv().getOrDefault("EXTFARM_SOURCE_CACHE", "/var/cache/extfarm/sources")));
    static final String TARGET = System.getProperty("extfarm.test.target", "bookworm-pg15");
    static BuildImages images;

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(TARGET);
    }

    static Stream<String> recipes() throws Exception {
        String only = System.getProperty("extfarm.test.recipes");
        try (Stream<Path> s = Files.list(RECIPES)) {
            return s.filter(p -> Files.exists(p.resolve("recipe.yaml"))).map(p -> p.getFileName().toString()).sorted()
                    .filter(n -> only == null || List.of(only.split(",")).contains(n)).toList().stream();
        }
    }

    /**
     * The recipes build side by side, as a worker with EXTFARM_WORKER_CONCURRENCY does: each in
     * its own work directory and containers. How many at once: -Dextfarm.test.build-parallelism
     * (builder-worker's pom; default 2, what two cores allow: one build compiles while another
     * starts containers or runs its smoke test).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    @Execution(ExecutionMode.CONCURRENT)
    void buildsLoadsAndBundlesItsLibraries(String name) throws Exception {
        buildAndCheck(name, images, work);
    }

    /** CI builds the whole catalog for bookworm/15 and one recipe for trixie/17. */
    @org.junit.jupiter.api.Test
    void oneRecipeBuildsForTrixieAndPostgres17() throws Exception {
        BuildImages trixie = TestImages.resolve("trixie-pg17");
        assertThat(trixie.pgMajor()).isEqualTo(17);
        buildAndCheck("semver", trixie, work);
    }

    /**
     * One pipeline per test thread, as a worker has one per build slot: what it learns once per
     * image (the runtime image's libraries, the build image's server) is not asked of Docker again
     * for every build.
     */
    static final ThreadLocal<BuildPipeline> PIPELINES = ThreadLocal.withInitial(() -> new BuildPipeline(new DockerCli(), BuildLimits.DEFAULT));

    /**
     * With -Dextfarm.bench.out=FILE (infra/bench/farm-vs-make.sh), one TSV line per build: name,
     * target, ms, bundle bytes, result, step=ms,..., regress=run/passed/failed, the source archive,
     * start and end (epoch ms: the span of the builds without Maven's start).
     */
    static synchronized void record(String name, BuildImages images, long startEpochMillis, long millis, BuildOutcome o, Path source)
            throws java.io.IOException {
        String out = System.getProperty("extfarm.bench.out");
        if (out == null) {
            return;
        }
        long size = o.bundleFile().isPresent() ? Files.size(o.bundleFile().get()) : 0;
        String steps = o.stepMillis().entrySet().stream().map(e -> e.getKey().id() + "=" + e.getValue()).reduce((a, b) -> a + "," + b).orElse("");
        Files.writeString(Path.of(out), String.join("\t", name, images.target(), String.valueOf(millis), String.valueOf(size),
                o.succeeded() ? "ok" : o.failure().get().cause(), steps,
                o.regression().map(r -> "regress=" + r.run() + "/" + r.passed() + "/" + r.failed()).orElse("regress=none"), source.toAbsolutePath().toString(),
                String.valueOf(startEpochMillis), String.valueOf(startEpochMillis + millis)) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Builds and checks catalog recipe {@code name}; returns the job (its bundle is {@code work/bundle.tar}). */
    static BuildJob buildAndCheck(String name, BuildImages images, Path work) throws Exception {
        BuildJob job = realJob(name, images);
        Recipe recipe = RecipeParser.parse(RECIPES.resolve(name)).forMajor(images.pgMajor());
        String sourceSha256 = job.sourceSha256();
        List<String> log = new ArrayList<>();
        long started = System.currentTimeMillis();
        long t0 = System.nanoTime();
        BuildOutcome o = PIPELINES.get().run(job, images, work, new BuildLog(log::add));
        record(name, images, started, (System.nanoTime() - t0) / 1_000_000, o, job.sourceArchive());
        assertThat(o.failure()).as(String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size()))).isEmpty();
        return checkBundle(job, o, recipe, sourceSha256, images, work, log);
    }

    /** The build job of real recipe {@code name} for {@code images}' major, its source from the local cache or a mirror. */
    static BuildJob realJob(String name, BuildImages images) throws Exception {
        Path dir = RECIPES.resolve(name);
        Recipe all = RecipeParser.parse(dir);
        Assumptions.assumeTrue(all.pgMajors().contains(images.pgMajor()), name + " is not built for PostgreSQL " + images.pgMajor());
        Recipe recipe = all.forMajor(images.pgMajor()); // that major's variant
        RecipeBundle rb = RecipeBundle.readDirectory(dir);
        Path source;
        // An unreachable mirror: a cache miss fails loudly instead of reaching the internet.
        var config = SourceFetcherConfig.defaults(SOURCE_CACHE).withDebianMirror(URI.create("http://127.0.0.1:9/debian"), List.of("bookworm"));
        SourceMirrors mirrors = SourceMirrors.fromEnvironment();
        if (recipe.source() instanceof Recipe.GitSource g) {
            Assumptions.assumeTrue(mirrors.dirs().stream().anyMatch(m -> SourceMirrors.git(m, g.url()).isPresent()),
                    "no source mirror holds " + g.url() + ": set " + SourceMirrors.ENV + " (.ci/run uses ../shared/sources)");
        }
        try (SourceFetcher f = new SourceFetcher(config, mirrors)) {
            source = f.fetch(recipe.source(), rb); // source.bundled (pg_extfarm): the archive is in the recipe
        }
        // a git source is pinned by its commit: the bundle and SBOM name the exported archive's sha-256
        String sourceSha256 = recipe.source() instanceof Recipe.GitSource ? Digests.sha256(source) : recipe.source().sha256();
        List<Map.Entry<String, byte[]>> patches = new ArrayList<>();
        recipe.build().patches().forEach(p -> patches.add(Map.entry(p, rb.patch(p))));
        BuildJob job = new BuildJob(recipe.name(), recipe.version(), images.pgMajor(), recipe.license(), source,
                sourceSha256, recipe.source().subdir(), patches, recipe.build().makeFlags(), recipe.build().env(),
                recipe.build().preBuild(), recipe.build().buildPackages(), recipe.build().runtimePackages(),
                recipe.install().sharedPreload(), recipe.install().preload(), recipe.install().stripLibdir(),
                recipe.test().sql(), recipe.test().extensions(), rb.revision().sha256(),
                dev.extfarm.worker.job.SourceDateEpoch.of(recipe, source), recipe.source().publicUrl().map(URI::toString),
                recipe.test().settings(), recipe.test().expect()).withCommands(BuildCommands.of(recipe.build()))
                .withRegress(recipe.test().regress());
        return job;
    }

    /** {@code nm -D --undefined-only} of one module: lines such as {@code U palloc} or {@code w __gmon_start__}. */
    private static List<String> nmUndefined(Path so) throws Exception {
        Process p = new ProcessBuilder("nm", "-D", "--undefined-only", so.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("nm -D " + so + ": " + out).isZero();
        return out.lines().toList();
    }

    private static BuildJob checkBundle(BuildJob job, BuildOutcome o, Recipe recipe, String sourceSha256, BuildImages images,
                                        Path work, List<String> log) throws Exception {
        VerifiedBundle v;
        try (InputStream in = Files.newInputStream(o.bundleFile().orElseThrow())) {
            v = BundleReader.withDefaults().verify(in);
        }
        // an extension bundle, or a library bundle (no control file: pgextwlist) whose modules the smoke test LOADed
        assertThat(v.manifest().extensions().isEmpty() ? v.manifest().libraries() : v.manifest().extensions()).isNotEmpty();
        assertThat(v.manifest().build().sourceSha256()).isEqualTo(sourceSha256);
        // compatibility floors (issue 23): the build image's server version; a module imports from the server
        var floors = v.manifest().compatibility();
        assertThat(floors).as("compatibility floors").isNotNull();
        assertThat(floors.builtAgainst()).startsWith(images.pgMajor() + ".");
        // what the modules' dynamic symbol tables say, read by binutils' nm on the host: a module that
        // needs any unversioned strong symbol imports from the server, one that needs a GLIBC_ version
        // gives a glibc floor (first_last_agg's module needs neither: only weak symbols)
        boolean importsUnversioned = false;
        boolean needsGlibc = false;
        Path modules = work.resolve("tree/lib");
        if (Files.isDirectory(modules)) {
            try (Stream<Path> files = Files.list(modules)) {
                for (Path so : files.filter(f -> f.getFileName().toString().endsWith(".so")).toList()) {
                    for (String line : nmUndefined(so)) {
                        String sym = line.strip().replaceFirst("^\\S+\\s+", "");
                        if (line.strip().startsWith("U ")) {
                            importsUnversioned |= !sym.contains("@");
                            needsGlibc |= sym.contains("@GLIBC_");
                        }
                    }
                }
            }
        }
        if (importsUnversioned) {
            assertThat(floors.serverSymbols()).as("the server symbols " + v.manifest().libraries() + " import").isNotEmpty();
        }
        if (needsGlibc) {
            assertThat(floors.glibc()).as("the glibc floor of " + v.manifest().libraries()).startsWith("GLIBC_2.");
        }
        System.out.println("floors " + job.name() + " " + images.target() + ": built against " + floors.builtAgainst() + ", "
                + floors.serverSymbols().size() + " server symbols, " + floors.glibc());
        Path lib = work.resolve("tree/lib");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> files = Files.walk(lib)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    byte[] magic = Files.readAllBytes(f);
                    if (magic.length > 4 && magic[0] == 0x7f && magic[1] == 'E') {
                        Process p = new ProcessBuilder("readelf", "-d", f.toString()).redirectErrorStream(true).start();
                        String dyn = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        p.waitFor();
                        assertThat(dyn).as(f + " must have RUNPATH exactly $ORIGIN").containsPattern("\\(RUNPATH\\)\\s+Library runpath: \\[\\$ORIGIN\\]");
                        assertThat(dyn).as(f + " has no old-style RPATH").doesNotContain("(RPATH)");
                    }
                }
            }
        }
        checkPrograms(work.resolve("tree"), images, log);
        String sbom = Files.readString(work.resolve("tree/sbom.spdx.json"));
        assertThat(v.manifest().sbom()).isEqualTo("sbom.spdx.json");
        assertThat(sbom).contains("\"spdxVersion\" : \"SPDX-2.3\"").contains(sourceSha256);
        assertThat(v.manifest().licenses()).as("license files found in the source").isNotEmpty();
        for (String license : v.manifest().licenses()) {
            assertThat(license).startsWith("licenses/");
            assertThat(work.resolve("tree").resolve(license)).as("license file " + license + " is in the bundle").isRegularFile();
            assertThat(Files.size(work.resolve("tree").resolve(license))).as(license).isPositive();
        }
        // the SBOM, read as SPDX: the extension with the recipe's license and source sha-256, the
        // builder image, and one package per bundled library, with the Debian package it came from
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(sbom);
        var packages = doc.path("packages");
        var extension = packages.get(0);
        assertThat(extension.path("name").asText()).isEqualTo(recipe.name());
        assertThat(extension.path("licenseDeclared").asText()).isEqualTo(recipe.license());
        assertThat(extension.path("checksums").get(0).path("checksumValue").asText()).isEqualTo(sourceSha256);
        assertThat(doc.path("creationInfo").path("comment").asText()).contains("builder image").contains(images.packagesDigest());
        for (String bundled : v.manifest().bundledLibraries()) {
            assertThat(lib.resolve(bundled)).as("bundled library " + bundled).exists();
            var pkg = java.util.stream.StreamSupport.stream(packages.spliterator(), false)
                    .filter(n -> n.path("comment").asText().startsWith("bundled as lib/" + bundled + " ")).findFirst();
            assertThat(pkg).as("the SBOM has a package for " + bundled + ": " + sbom).isPresent();
            assertThat(pkg.get().path("externalRefs").get(0).path("referenceLocator").asText()).as(bundled)
                    .startsWith("pkg:deb/debian/" + pkg.get().path("name").asText() + "@");
        }
        assertThat(packages.size()).as("the extension and one package per bundled library").isEqualTo(1 + v.manifest().bundledLibraries().size());
        return job;
    }

    /**
     * Programs (bin/): RUNPATH exactly $ORIGIN/../lib, and each starts from the layout the fetcher
     * installs (PostgreSQL's bindir beside its pkglibdir) in a clean runtime image: the dynamic
     * loader finds every library, bundled ones through $ORIGIN/../lib ({@code --version}, whatever
     * it answers, must not fail to load).
     */
    static void checkPrograms(Path tree, BuildImages images, List<String> buildLog) throws Exception {
        Path bin = tree.resolve("bin");
        if (!Files.isDirectory(bin)) {
            return;
        }
        List<String> programs = new ArrayList<>();
        try (Stream<Path> files = Files.list(bin)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                byte[] magic = Files.readAllBytes(f);
                if (magic.length > 4 && magic[0] == 0x7f && magic[1] == 'E') {
                    String dyn = BuildSystemsTest.readelf(f);
                    assertThat(dyn).as(f + " must have RUNPATH exactly $ORIGIN/../lib")
                            .containsPattern("\\(RUNPATH\\)\\s+Library runpath: \\[\\$ORIGIN/\\.\\./lib\\]");
                    assertThat(dyn).as(f + " has no old-style RPATH").doesNotContain("(RPATH)");
                    programs.add(f.getFileName().toString());
                }
            }
        }
        assertThat(buildLog).as("the smoke test checked every program").filteredOn(l -> l.startsWith("##[extfarm] program bin/")).hasSize(programs.size());
        if (programs.isEmpty()) {
            return; // only scripts in bin/ (mimeo's run_refresh.py): nothing for the dynamic loader
        }
        int n = images.pgMajor();
        // a program may need no library of the bundle's own (SQL-only extensions have no lib/)
        StringBuilder script = new StringBuilder("set -e; [ ! -d /bundle/lib ] || cp -a /bundle/lib/. /usr/lib/postgresql/" + n + "/lib/; ");
        for (String p : programs) {
            script.append("cp /bundle/bin/").append(p).append(" /usr/lib/postgresql/").append(n).append("/bin/").append(p).append("; ")
                    .append("echo \"== ").append(p).append("\"; /usr/lib/postgresql/").append(n).append("/bin/").append(p)
                    .append(" --version </dev/null 2>&1 || echo \"exit $?\"; ");
        }
        List<String> out = new ArrayList<>();
        // root only to copy into the image's own directories; no network, no capabilities beyond copying
        DockerCli.Result r = new DockerCli().run(List.of("--network", "none", "-v", tree + ":/bundle:ro"),
                images.runtimeImage(), List.of("bash", "-c", script.toString()), java.time.Duration.ofMinutes(2), out::add);
        assertThat(r.exitCode()).as(String.join("\n", out)).isZero();
        assertThat(out).as("every program starts: " + out).noneMatch(l -> l.contains("error while loading shared libraries"))
                .noneMatch(l -> l.equals("exit 127"));
        System.out.println("programs of " + tree + ": " + String.join(" | ", out));
    }
}
