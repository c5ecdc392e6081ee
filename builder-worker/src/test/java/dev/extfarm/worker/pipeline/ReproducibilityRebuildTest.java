package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.worker.reproducibility.BundleComparison;
import dev.extfarm.worker.reproducibility.DifferenceClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verified reproducibility with real builds on the local Docker engine: a job is built as the
 * farm first builds it (in {@link BuildPipeline#SOURCE_DIR}) and again from scratch as a
 * reproducibility rebuild (another work directory, another build directory in the container),
 * and the rebuilt bundle is compared with the first ({@link BundleComparison}): a fixture that
 * embeds its build time, one that embeds its build path, a well-behaved fixture and the real
 * semver recipe.
 */
class ReproducibilityRebuildTest {

    static BuildImages images;
    static final DockerCli docker = new DockerCli();

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(BuildPipelineTest.TARGET);
        BuildPipelineTest.images = images;
    }

    private BundleComparison.Result firstBuildAndRebuild(BuildJob job) throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome first = new BuildPipeline(docker, BuildLimits.DEFAULT).run(job, images, work.resolve("first"), new BuildLog(log::add));
        assertThat(first.failure()).as(String.join("\n", log)).isEmpty();
        return rebuildAndCompare(job, first.bundleFile().orElseThrow());
    }

    private BundleComparison.Result rebuildAndCompare(BuildJob job, Path published) throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome again = new BuildPipeline(docker, BuildLimits.DEFAULT).run(job, images, work.resolve("rebuild"),
                new BuildLog(log::add), dev.extfarm.worker.pipeline.BundleDependencies.NONE, BuildPipeline.REBUILD_SOURCE_DIR);
        assertThat(again.failure()).as(String.join("\n", log)).isEmpty();
        assertThat(log).as("the rebuild ran in the other directory").anyMatch(l -> l.contains(BuildPipeline.REBUILD_SOURCE_DIR));
        return new BundleComparison(new DifferenceClassifier(BuildPipeline.SOURCE_DIR, BuildPipeline.REBUILD_SOURCE_DIR))
                .compare(published, dev.extfarm.bundle.Digests.sha256(published), again.bundleFile().orElseThrow(), work.resolve("compare"));
    }

    private static BundleComparison.Difference only(BundleComparison.Result r, String path) {
        assertThat(r.reproducible()).isFalse();
        return r.differences().stream().filter(d -> d.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError(path + " is not among " + r.differences()));
    }

    @Test
    void aModuleThatEmbedsItsBuildTimeIsFlaggedWithTheFileTheSectionAndTimestamp() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> Files.writeString(d.resolve("hello_c.c"),
                Files.readString(d.resolve("hello_c.c")).replace("PG_MODULE_MAGIC;",
                        "PG_MODULE_MAGIC;\n#include \"stamp.h\"\nconst char *hello_c_built_at = BUILT_AT;")));
        // the time, with nanoseconds: two builds never agree, whatever SOURCE_DATE_EPOCH says
        String pre = "echo \"#define BUILT_AT \\\"built $(date -u '+%Y-%m-%d %H:%M:%S.%N')\\\"\" > stamp.h; cat stamp.h";
        BundleComparison.Result r = firstBuildAndRebuild(BuildPipelineTest.job("hello_c", src, List.of(), Optional.of(pre),
                List.of(), Optional.of("SELECT hello_c();")));
        BundleComparison.Difference so = only(r, "lib/hello_c.so");
        assertThat(so.cause()).isEqualTo(DifferenceClassifier.TIMESTAMP);
        assertThat(so.elfSections()).contains(".rodata");
        assertThat(so.published().sha256()).isNotEqualTo(so.rebuilt().sha256());
        assertThat(so.published().size()).isEqualTo(so.rebuilt().size());
        assertThat(r.differencesTotal()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aScriptThatEmbedsItsBuildPathIsFlaggedWithBuildPath() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        // the install script writes where it was built into the extension's SQL (the prefix map cannot reach it)
        String pre = "printf -- '-- built in %s\\n' \"$(pwd)\" >> hello_c--1.0.sql";
        BundleComparison.Result r = firstBuildAndRebuild(BuildPipelineTest.job("hello_c", src, List.of(), Optional.of(pre),
                List.of(), Optional.of("SELECT hello_c();")));
        BundleComparison.Difference sql = only(r, "share/extension/hello_c--1.0.sql");
        assertThat(sql.cause()).isEqualTo(DifferenceClassifier.BUILD_PATH);
        assertThat(sql.elfSections()).isNull();
        assertThat(r.differences()).extracting(BundleComparison.Difference::path).doesNotContain("lib/hello_c.so");
    }

    @Test
    void aWellBehavedModuleIsReproducibleInAnotherBuildDirectory() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        BundleComparison.Result r = firstBuildAndRebuild(BuildPipelineTest.job("hello_c", src, List.of(), Optional.empty(),
                List.of(), Optional.of("SELECT hello_c();")));
        assertThat(r.differences()).isEmpty();
        assertThat(r.reproducible()).isTrue();
        assertThat(r.rebuiltSha256()).isEqualTo(r.publishedSha256());
    }

    /**
     * The catalog's reproducibility for one target, measured: with
     * {@code -Dextfarm.test.reproducibility.catalog=FILE} every recipe (or
     * {@code -Dextfarm.test.recipes=a,b}) is built, rebuilt in the other directory and compared;
     * one TSV line per recipe goes to FILE (recipe, target, verdict, differing entries with their
     * causes) before the verdict is asserted.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("dev.extfarm.worker.pipeline.RealRecipesBuildTest#recipes")
    void catalogRecipesRebuildToTheSameBytes(String name) throws Exception {
        String out = System.getProperty("extfarm.test.reproducibility.catalog");
        org.junit.jupiter.api.Assumptions.assumeTrue(out != null, "measured only with -Dextfarm.test.reproducibility.catalog=FILE");
        BuildJob job = RealRecipesBuildTest.buildAndCheck(name, images, work.resolve("first"));
        BundleComparison.Result r = rebuildAndCompare(job, work.resolve("first/bundle.tar"));
        String differences = r.differences().stream().map(d -> d.path() + "=" + d.cause()
                + (d.elfSections() == null ? "" : "[" + String.join(",", d.elfSections()) + "]")).reduce((a, b) -> a + " " + b).orElse("");
        synchronized (ReproducibilityRebuildTest.class) {
            Files.writeString(Path.of(out), String.join("\t", name, images.target(),
                    r.reproducible() ? "reproducible" : "not-reproducible", String.valueOf(r.differencesTotal()), differences) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        assertThat(r.differences()).as(name + " rebuilt in " + BuildPipeline.REBUILD_SOURCE_DIR).isEmpty();
    }

    @Test
    void theRealSemverRecipeIsReproducible() throws Exception {
        BuildJob job = RealRecipesBuildTest.buildAndCheck("semver", images, work.resolve("first"));
        BundleComparison.Result r = rebuildAndCompare(job, work.resolve("first/bundle.tar"));
        assertThat(r.differences()).isEmpty();
        assertThat(r.reproducible()).isTrue();
    }
}
