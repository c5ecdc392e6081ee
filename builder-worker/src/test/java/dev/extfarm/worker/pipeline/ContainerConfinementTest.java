package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipe code runs in two containers: the build (pre_build, make) and the smoke test (the module
 * loaded into PostgreSQL). Both are confined the same way, and this test asks the kernel from
 * inside each, in one real build: no network interface but loopback, no capability (effective and
 * bounding set empty), no-new-privileges, not root, and a process limit that a fork loop hits
 * (dash says "Cannot fork") while the build itself still succeeds.
 */
class ContainerConfinementTest {

    @TempDir
    Path work;

    /** Low enough that a loop of 1,000 background processes hits it, high enough for make and PostgreSQL. */
    static final int PIDS = 200;

    @BeforeAll
    static void images() throws Exception {
        BuildPipelineTest.images();
    }

    /** Forks up to 1,000 short sleeps; prints dash's error when the pids limit stops it, then lets them end. */
    static final String FORK_LOOP = "dash -c 'n=0; while [ $n -lt 1000 ]; do sleep 2 & n=$((n+1)); done; echo forked $n' 2>&1";

    @Test
    void theBuildAndTheSmokeTestHaveNoNetworkNoCapabilitiesAndAProcessLimit() throws Exception {
        String preBuild = String.join("\n",
                "grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs):' /proc/self/status | tr -s ' \\t' ' ' | sed 's/^/build confinement: /'",
                "echo \"build confinement: interfaces $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')\"",
                "(" + FORK_LOOP + " || true) | sed 's/^/build confinement: /'",
                "sleep 3");
        // The smoke test's SQL runs in the backend that loaded the module; COPY FROM PROGRAM runs a
        // shell as that backend's user, in the same container.
        String testSql = String.join("\n",
                "SELECT 'smoke confinement: interfaces ' || string_agg(trim(split_part(line, ':', 1)), ' ')",
                "  FROM (SELECT regexp_split_to_table(pg_read_file('/proc/self/net/dev'), E'\\n') AS line OFFSET 2) l WHERE line <> '';",
                "CREATE TEMP TABLE fork(line text);",
                "COPY fork FROM PROGRAM $$(" + FORK_LOOP + " || true); sleep 3$$;",
                "SELECT 'smoke confinement: ' || line FROM fork;",
                "SELECT hello_c();");
        Path dir = Files.createDirectories(work.resolve("build"));
        Path src = Sources.tarball("hello_c", dir, "hello_c-1.0", d -> { });
        BuildJob job = BuildPipelineTest.job("hello_c", src, List.of(), Optional.of(preBuild), List.of(), Optional.of(testSql));
        List<String> log = new ArrayList<>();
        BuildPipelineTest.lastLog = log;
        BuildLimits limits = new BuildLimits(BuildLimits.DEFAULT.memoryBytes(), PIDS, BuildLimits.DEFAULT.cpus(), Duration.ofMinutes(10));
        BuildOutcome o = new BuildPipeline(BuildPipelineTest.docker, limits).run(job, BuildPipelineTest.images, dir.resolve("w"),
                new BuildLog(log::add));
        String all = String.join("\n", log);
        assertThat(o.failure()).as(all).isEmpty();

        List<String> build = confinement(log, "build confinement: ");
        assertThat(build).as(all).contains("Uid: 1000 1000 1000 1000", "CapEff: 0000000000000000",
                "CapBnd: 0000000000000000", "NoNewPrivs: 1", "interfaces lo");
        assertThat(build).as("the fork loop stops at the pids limit").anySatisfy(l -> assertThat(l).contains("Cannot fork"));
        assertThat(build).noneMatch(l -> l.startsWith("forked 1000"));

        List<String> smoke = confinement(log, "smoke confinement: ");
        assertThat(smoke).as(all).contains("interfaces lo");
        assertThat(smoke).as("the fork loop stops at the pids limit").anySatisfy(l -> assertThat(l).contains("Cannot fork"));
        assertThat(smoke).noneMatch(l -> l.startsWith("forked 1000"));
        // the existing smoke-test line states the identity of the backend's container
        String who = log.stream().filter(l -> l.startsWith("##[extfarm] smoke test as ")).findFirst().orElseThrow();
        assertThat(who).doesNotContain("(uid 0)").contains("CapEff: 0000000000000000", "CapBnd: 0000000000000000", "NoNewPrivs: 1");
    }

    /** The log lines carrying {@code prefix} (the build's own output or the smoke SQL's answer), without it. */
    static List<String> confinement(List<String> log, String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : log) {
            int i = l.indexOf(prefix);
            if (i >= 0) {
                out.add(l.substring(i + prefix.length()).strip());
            }
        }
        return out;
    }
}
