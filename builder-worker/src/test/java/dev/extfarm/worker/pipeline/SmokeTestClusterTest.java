package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke test and the regression suite start PostgreSQL on a cluster that initdb made once,
 * in the smoke-test image (DerivedImages.forSmokeTest), not on one of their own per build: the
 * cluster belongs to the image's postgres user, no build runs initdb, and every build still starts
 * from a fresh cluster (what one build's test SQL leaves behind, another never sees).
 */
class SmokeTestClusterTest {

    static final String TARGET = System.getProperty("extfarm.test.target", "bookworm-pg15");
    static final DockerCli docker = new DockerCli();
    static BuildImages images;

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(TARGET);
    }

    static BuildJob job(Path source, Optional<String> testSql) throws Exception {
        return new BuildJob("hello_c", "1.0", images.pgMajor(), "PostgreSQL", source, dev.extfarm.bundle.Digests.sha256(source),
                Optional.empty(), List.of(), List.of(), Map.of(), Optional.empty(), List.of(), List.of(), false, false, true,
                testSql, List.of(), "0".repeat(64), 1_700_000_000L);
    }

    @Test
    void theSmokeTestImageCarriesAClusterOfItsPostgresUser() throws Exception {
        List<String> log = new ArrayList<>();
        String smoke = new DerivedImages(docker).forSmokeTest(images.runtimeImage(), images.pgMajor(), new BuildLog(log::add));
        List<String> out = new ArrayList<>();
        DockerCli.Result r = docker.run(List.of("--network", "none", "--user", BuildPipeline.SMOKE_TEST_USER, "--cap-drop", "ALL"),
                smoke, List.of("bash", "-c", "stat -c '%U %a' " + DerivedImages.TEMPLATE_CLUSTER + " && cat "
                        + DerivedImages.TEMPLATE_CLUSTER + "/PG_VERSION"), Duration.ofMinutes(2), out::add);
        assertThat(r.exitCode()).as(String.join("\n", out)).isZero();
        assertThat(out).containsExactly(BuildPipeline.SMOKE_TEST_USER + " 700", String.valueOf(images.pgMajor()));
    }

    @Test
    void noBuildRunsInitdbAndEachStartsFromAFreshCluster() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        // the first build leaves a role and a setting behind in its cluster
        BuildJob first = job(src, Optional.of("CREATE ROLE left_behind; ALTER SYSTEM SET work_mem = '77MB'; SELECT hello_c() IS NOT NULL;"));
        List<String> firstLog = new ArrayList<>();
        BuildOutcome a = new BuildPipeline(docker, BuildLimits.DEFAULT).run(first, images, work.resolve("a"), new BuildLog(firstLog::add));
        assertThat(a.failure()).as(String.join("\n", firstLog)).isEmpty();
        assertThat(firstLog).contains("##[extfarm] cluster " + DerivedImages.TEMPLATE_CLUSTER + " from the image's template (no initdb per build)");

        // the second, on the same image, sees neither; its server runs on the image's cluster (no
        // initdb of its own) without flushing to disk
        BuildJob second = job(src, Optional.of("SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'left_behind'), "
                        + "current_setting('work_mem') <> '77MB', current_setting('fsync') = 'off', "
                        + "current_setting('data_directory') = '" + DerivedImages.TEMPLATE_CLUSTER + "';"));
        List<String> secondLog = new ArrayList<>();
        BuildOutcome b = new BuildPipeline(docker, BuildLimits.DEFAULT).run(second, images, work.resolve("b"), new BuildLog(secondLog::add));
        assertThat(b.failure()).as(String.join("\n", secondLog)).isEmpty();
        assertThat(secondLog).contains("t|t|t|t");
    }
}
