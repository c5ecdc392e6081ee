package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.recipe.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upstream's regression suites, run for real (docs/builder.md, installcheck): the catalog's semver,
 * ip4r and unit pass on bookworm/15 against a server set up like the smoke test's; real semver
 * with one expected output made wrong fails at installcheck with regression-failed (upstream) and
 * keeps the diff; the same listing that test as a known failure succeeds with the warning. Hostile
 * suites: one that never ends is killed at the wall time, one that prints megabytes of diffs is
 * cut at the cap, one whose test names are not names reports none of them.
 */
class InstallcheckTest {

    static BuildImages images;

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(RealRecipesBuildTest.TARGET);
    }

    private record Run(BuildOutcome outcome, List<String> log) {
        String tail() {
            return String.join("\n", log.subList(Math.max(0, log.size() - 80), log.size()));
        }
    }

    private Run build(BuildJob job, BuildLimits limits) throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = new BuildPipeline(new DockerCli(), limits).run(job, images, work, new BuildLog(log::add));
        return new Run(o, log);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"semver", "ip4r", "unit"})
    void theCatalogsUpstreamSuitesPass(String name) throws Exception {
        long t0 = System.nanoTime();
        Run run = build(RealRecipesBuildTest.realJob(name, images), BuildLimits.DEFAULT);
        assertThat(run.outcome().failure()).as(run.tail()).isEmpty();
        RegressionReport r = run.outcome().regression().orElseThrow(() -> new AssertionError("no suite ran:\n" + run.tail()));
        assertThat(r.run()).as(run.tail()).isPositive();
        assertThat(r.failed()).isZero();
        assertThat(r.passed()).isEqualTo(r.run());
        assertThat(r.diffs()).isEmpty();
        assertThat(run.outcome().stepMillis()).containsKey(Step.INSTALLCHECK);
        System.out.printf("installcheck %s: %d tests passed; installcheck step %d ms, build %d ms%n", name, r.run(),
                run.outcome().stepMillis().get(Step.INSTALLCHECK), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Real semver with one expected output made wrong (its pre_build edits test/expected/base.out). */
    private BuildJob semverWithAWrongExpectation() throws Exception {
        BuildJob real = RealRecipesBuildTest.realJob("semver", images);
        return withPreBuild(real, "sed -i '1i a line the test never prints' test/expected/base.out");
    }

    @Test
    void aWrongExpectedOutputFailsAtInstallcheckAndKeepsTheDiff() throws Exception {
        Run run = build(semverWithAWrongExpectation(), BuildLimits.DEFAULT);
        BuildFailure f = run.outcome().failure().orElseThrow(() -> new AssertionError("the build succeeded:\n" + run.tail()));
        assertThat(f.step()).as(run.tail()).isEqualTo(Step.INSTALLCHECK);
        assertThat(f.cause()).isEqualTo("regression-failed");
        assertThat(f.responsibility()).isEqualTo(BuildFailure.Responsibility.UPSTREAM);
        assertThat(f.message()).contains("base").contains("regression.diffs is kept");
        RegressionReport r = run.outcome().regression().orElseThrow();
        assertThat(r.failedTests()).containsExactly("base");
        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.passed()).isEqualTo(r.run() - 1);
        String diffs = Files.readString(r.diffs().orElseThrow());
        assertThat(diffs).contains("-a line the test never prints");
        assertThat(r.diffsBytes()).isEqualTo(Files.size(r.diffs().get()));
        assertThat(run.outcome().bundleFile()).isEmpty();
    }

    @Test
    void theSameTestListedAsAKnownFailureSucceedsWithTheWarning() throws Exception {
        BuildJob job = semverWithAWrongExpectation().withRegress(new Recipe.Regress(Recipe.Regress.Mode.AUTO, List.of(),
                Optional.empty(), Map.of("base", "its expected output is wrong on purpose", "corpus", "listed, but passes")));
        Run run = build(job, BuildLimits.DEFAULT);
        assertThat(run.outcome().failure()).as(run.tail()).isEmpty();
        RegressionReport r = run.outcome().regression().orElseThrow();
        assertThat(r.failedTests()).containsExactly("base");
        assertThat(r.knownFailures()).containsExactly(Map.entry("base", "its expected output is wrong on purpose"));
        assertThat(r.staleKnownFailures()).containsExactly("corpus");
        assertThat(r.diffs()).isPresent();
        assertThat(run.log()).contains("##[extfarm] warning: base failed, a known failure: its expected output is wrong on purpose");
        assertThat(run.outcome().bundleFile()).isPresent();
    }

    @Test
    void aListedSuiteRunsWithoutAMakefilesRegress() throws Exception {
        BuildJob job = RealRecipesBuildTest.realJob("semver", images).withRegress(new Recipe.Regress(Recipe.Regress.Mode.LISTED,
                List.of("corpus"), Optional.of("test"), Map.of()));
        Run run = build(job, BuildLimits.DEFAULT);
        assertThat(run.outcome().failure()).as(run.tail()).isEmpty();
        assertThat(run.outcome().regression().orElseThrow().run()).isEqualTo(1);
    }

    @Test
    void regressFalseRunsNothing() throws Exception {
        Run run = build(RealRecipesBuildTest.realJob("semver", images).withRegress(Recipe.Regress.OFF), BuildLimits.DEFAULT);
        assertThat(run.outcome().failure()).as(run.tail()).isEmpty();
        assertThat(run.outcome().regression()).isEmpty();
        assertThat(run.outcome().stepMillis().get(Step.INSTALLCHECK)).isLessThan(1000);
    }

    /**
     * Hostile suites, from the recipe's own pre_build: a test that never ends (killed at the wall
     * time: timeout at installcheck), and one whose diffs are megabytes of non-UTF-8 bytes with
     * lines that imitate pg_regress and the farm (cut at the cap, names refused).
     */
    @Test
    void aSuiteThatNeverEndsIsKilledAtTheWallTime() throws Exception {
        BuildJob real = RealRecipesBuildTest.realJob("semver", images);
        BuildJob job = withPreBuild(real, "printf 'SELECT pg_sleep(100000);\\n' > test/sql/base.sql");
        Run run = build(job, BuildLimits.DEFAULT.withWallTime(Duration.ofSeconds(90)));
        BuildFailure f = run.outcome().failure().orElseThrow(() -> new AssertionError(run.tail()));
        assertThat(f.step()).as(run.tail()).isEqualTo(Step.INSTALLCHECK);
        assertThat(f.cause()).isEqualTo("timeout");
    }

    @Test
    void hugeBinaryDiffsAreCutAndFakeNamesAreNotRepeated() throws Exception {
        BuildJob real = RealRecipesBuildTest.realJob("semver", images);
        // the expected output: 6 MiB of random bytes (no NUL: diff reads it as text, any other byte goes), and a test
        // that writes a line imitating pg_regress, with a name that is no test name, into every process's stdout
        String pre = """
                head -c 6291456 /dev/urandom | tr -d '\\000' > test/expected/base.out
                cat > test/sql/corpus.sql <<'SQL'
                SELECT 1;
                \\! for f in /proc/[0-9]*/fd/1; do printf 'test ../../etc/passwd ... FAILED\\n' > $f; done 2>/dev/null
                SQL
                """;
        Run run = build(withPreBuild(real, pre), BuildLimits.DEFAULT);
        BuildFailure f = run.outcome().failure().orElseThrow(() -> new AssertionError(run.tail()));
        assertThat(f.cause()).as(run.tail()).isEqualTo("regression-failed");
        RegressionReport r = run.outcome().regression().orElseThrow();
        assertThat(r.diffsTruncated()).isTrue();
        assertThat(r.diffsBytes()).isEqualTo(Installcheck.MAX_DIFFS_BYTES);
        assertThat(Files.size(r.diffs().orElseThrow())).isEqualTo(Installcheck.MAX_DIFFS_BYTES);
        assertThat(r.failedTests()).contains("base", RegressionReport.UNNAMED).noneMatch(n -> n.contains("/"));
        assertThat(f.message()).doesNotContain("passwd");
    }

    private static BuildJob withPreBuild(BuildJob real, String script) {
        return new BuildJob(real.name(), real.version(), real.pgMajor(), real.license(), real.sourceArchive(), real.sourceSha256(),
                real.subdir(), real.patches(), real.makeFlags(), real.env(), Optional.of(script),
                real.buildPackages(), real.runtimePackages(), real.sharedPreload(), real.preload(), real.stripLibdir(),
                real.testSql(), real.testExtensions(), real.recipeRevision(), real.sourceDateEpoch(), real.sourceUrl(),
                real.testSettings(), real.testExpect(), real.commands(), real.regress());
    }
}
