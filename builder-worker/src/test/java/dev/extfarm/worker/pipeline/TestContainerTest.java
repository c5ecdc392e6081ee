package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.recipe.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke test and upstream's suite run in one container (TestContainer): one container start
 * and one bundle install per build, not two. The suite still starts from a server the smoke test's
 * SQL never touched: real semver, whose smoke-test SQL leaves a role and a role setting behind,
 * with one more listed test that fails when it sees either. The real Docker engine, through a
 * wrapper that writes down every {@code docker run}.
 */
class TestContainerTest {

    static BuildImages images;

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(RealRecipesBuildTest.TARGET);
    }

    /** A test whose output is its own echo (psql -a) unless it raises: what pg_regress compares it with. */
    static final String ISOLATION_SQL = "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'left_by_smoke') "
            + "OR current_setting('work_mem') = '77MB' THEN RAISE EXCEPTION 'the smoke test touched this server'; END IF; END $$;";

    @Test
    void theSuiteFollowsTheSmokeTestInItsContainerOnAClusterTheSmokeTestNeverTouched() throws Exception {
        Path docker = work.resolve("docker");
        Files.writeString(docker, """
                #!/bin/bash
                [ "$1" = run ] && echo "$*" >> "$(dirname "$0")/runs"
                exec docker "$@"
                """);
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwx------"));

        BuildJob real = RealRecipesBuildTest.realJob("semver", images);
        String preBuild = "printf '%s\\n' \"$ISOLATION\" > test/sql/isolation.sql && cp test/sql/isolation.sql test/expected/isolation.out";
        BuildJob job = new BuildJob(real.name(), real.version(), real.pgMajor(), real.license(), real.sourceArchive(), real.sourceSha256(),
                real.subdir(), real.patches(), real.makeFlags(), Map.of("ISOLATION", ISOLATION_SQL), Optional.of(preBuild),
                real.buildPackages(), real.runtimePackages(), real.sharedPreload(), real.preload(), real.stripLibdir(),
                Optional.of("CREATE ROLE left_by_smoke; ALTER ROLE postgres SET work_mem = '77MB'; "
                        + "SELECT '1.2.3'::semver < '1.10.0'::semver AS ordered;"),
                real.testExtensions(), real.recipeRevision(), real.sourceDateEpoch(), real.sourceUrl(),
                real.testSettings(), real.testExpect(), real.commands(),
                new Recipe.Regress(Recipe.Regress.Mode.LISTED, List.of("base", "isolation"), Optional.of("test"), Map.of()));
        List<String> log = new ArrayList<>();
        BuildOutcome o = new BuildPipeline(new DockerCli(docker.toString()), BuildLimits.DEFAULT).run(job, images, work.resolve("w"),
                new BuildLog(log::add));
        String all = String.join("\n", log.subList(Math.max(0, log.size() - 80), log.size()));

        assertThat(o.failure()).as(all).isEmpty();
        RegressionReport r = o.regression().orElseThrow(() -> new AssertionError("no suite ran:\n" + all));
        assertThat(r.run()).as(all).isEqualTo(2);
        assertThat(r.passed()).as("the suite saw what the smoke test left behind:\n" + all).isEqualTo(2);
        assertThat(log).contains("##[extfarm] cluster " + DerivedImages.TEMPLATE_CLUSTER + " from the image's template (no initdb per build)",
                "##[extfarm] cluster " + DerivedImages.SUITE_CLUSTER + " from the image's template (no initdb per build)");
        assertThat(o.stepMillis()).containsKeys(Step.SMOKE_TEST, Step.INSTALLCHECK);

        // the containers of this build's steps: the build, the export of /out, one test container
        List<String> runs = Files.readAllLines(work.resolve("runs"));
        assertThat(runs.stream().filter(l -> l.contains("/job/")).map(l -> l.substring(l.lastIndexOf(' ') + 1)))
                .as(String.join("\n", runs)).containsExactly("/job/build.sh", "/job/smoke-test.sh");
        assertThat(runs.stream().filter(l -> l.contains("/job/smoke-test.sh")).findFirst().orElseThrow())
                .contains("--network none", "--cap-drop ALL", "no-new-privileges", "--user " + BuildPipeline.SMOKE_TEST_USER, ":/bundle:ro",
                        ":/job:ro", ":/out:ro", "EXTFARM_REGRESS=1");
    }

    /** Real semver, whose suite is there to run, with a smoke-test answer that is false: the smoke test's failure, no suite. */
    @Test
    void aFailingSmokeTestIsTheSmokeTestsFailureAndTheSuiteDoesNotRun() throws Exception {
        BuildJob real = RealRecipesBuildTest.realJob("semver", images);
        BuildJob job = new BuildJob(real.name(), real.version(), real.pgMajor(), real.license(), real.sourceArchive(), real.sourceSha256(),
                real.subdir(), real.patches(), real.makeFlags(), real.env(), real.preBuild(),
                real.buildPackages(), real.runtimePackages(), real.sharedPreload(), real.preload(), real.stripLibdir(),
                Optional.of("SELECT '1.10.0'::semver < '1.2.3'::semver AS ordered;"),
                real.testExtensions(), real.recipeRevision(), real.sourceDateEpoch(), real.sourceUrl(),
                real.testSettings(), real.testExpect(), real.commands(), real.regress());
        List<String> log = new ArrayList<>();
        BuildOutcome o = new BuildPipeline(new DockerCli(), BuildLimits.DEFAULT).run(job, images, work.resolve("w"), new BuildLog(log::add));
        String all = String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size()));
        BuildFailure f = o.failure().orElseThrow(() -> new AssertionError("the build succeeded:\n" + all));
        assertThat(f.step()).as(all).isEqualTo(Step.SMOKE_TEST);
        assertThat(f.cause()).isEqualTo("smoke-test-failed");
        assertThat(log).contains("##[extfarm] failed: the recipe's test SQL answered false: f");
        assertThat(o.regression()).isEmpty();
        assertThat(log).noneMatch(l -> l.equals(Installcheck.BEGIN));
    }
}
