package dev.extfarm.worker.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The steps {@code smoke-test} and {@code installcheck} in one container per build (smoke-test.sh,
 * then installcheck.sh): one container start and one bundle install instead of two. The recipe's
 * module runs here, so it runs like the build: PostgreSQL's own user, no network, no capability,
 * the build's limits; the collected tree, the job directory, the farm's dependencies and (for the
 * suite) the build's {@code /out} all read-only. The suite's server starts on the image's second
 * cluster ({@link DerivedImages#SUITE_CLUSTER}), which the smoke test's SQL never touched.
 *
 * <p>Which step failed is told by the exit code, never by what the container printed: 50–55 are
 * the smoke test's (a failing smoke test is {@code smoke-test-failed} and the like, as before), and
 * any other end before installcheck.sh's step marker is the smoke test's too; the suite's verdict
 * is {@link Installcheck#verdict}.
 */
final class TestContainer {

    /** The smoke test's wall time when no suite follows it; with a suite, the container has the build's. */
    static final Duration SMOKE_TEST_WALL_TIME = Duration.ofMinutes(10);

    private final DockerCli docker;
    private final BuildLimits limits;

    TestContainer(DockerCli docker, BuildLimits limits) {
        this.docker = docker;
        this.limits = limits;
    }

    /** What the container tests: the extensions to create, the library bundle's modules to LOAD, the preloads. */
    record Subject(List<String> extensions, List<String> load, String preload) {
    }

    /**
     * Runs the smoke test and, unless {@code noSuite} says why not, upstream's suite; returns the
     * suite's report. Throws the failure of the step that failed (the suite's report, when there is
     * one, in {@code regression}).
     */
    Optional<RegressionReport> run(BuildJob job, String smokeImage, Subject subject, Path tree, Path jobDir, Path out, Path deps,
                                   List<String> dependencyOrder, Optional<String> noSuite, Path work, BuildLog log,
                                   AtomicReference<RegressionReport> regression) throws IOException, InterruptedException {
        boolean suite = noSuite.isEmpty();
        List<String> options = new ArrayList<>(List.of("--network", "none", "--user", BuildPipeline.SMOKE_TEST_USER,
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--memory", String.valueOf(limits.memoryBytes()), "--memory-swap", String.valueOf(limits.memoryBytes()),
                "--pids-limit", String.valueOf(limits.pids()), "--cpus", String.valueOf(limits.cpus()),
                "-v", tree + ":/bundle:ro", "-v", jobDir + ":/job:ro",
                "-e", "EXTFARM_PG_MAJOR=" + job.pgMajor(), "-e", "EXTFARM_EXTENSIONS=" + String.join(" ", subject.extensions()),
                "-e", "EXTFARM_LOAD=" + String.join(" ", subject.load()),
                "-e", "EXTFARM_PRELOAD=" + subject.preload()));
        if (!dependencyOrder.isEmpty()) {
            options.addAll(List.of("-v", deps + ":/deps:ro", "-e", "EXTFARM_DEPENDENCIES=" + String.join(" ", dependencyOrder)));
        }
        if (suite) {
            options.addAll(List.of("-v", out + ":/out:ro", "-e", "EXTFARM_REGRESS=1"));
        }
        Installcheck.Capture capture = new Installcheck.Capture(work.resolve(Installcheck.DIFFS_FILE), log);
        DockerCli.Result r = docker.runReading(options, smokeImage, List.of("bash", "/job/smoke-test.sh"),
                suite ? limits.wallTime() : SMOKE_TEST_WALL_TIME, capture,
                suite ? capture : stdout -> stdout.transferTo(OutputStream.nullOutputStream()));
        boolean smokeTestCode = r.exitCode() >= 50 && r.exitCode() <= 55;
        boolean inSuite = suite && log.current() == Step.INSTALLCHECK;
        if (smokeTestCode || !inSuite && (r.exitCode() != 0 || r.timedOut() || r.daemonError() || r.oomKilled())) {
            throw FailureClassifier.classify(Step.SMOKE_TEST, r, log.tail()).toException();
        }
        if (!suite) {
            log.enter(Step.INSTALLCHECK);
            log.accept(noSuite.get());
            return Optional.empty();
        }
        if (!inSuite) { // the smoke test passed and the suite never began: nothing of it to report
            log.enter(Step.INSTALLCHECK);
        }
        return Installcheck.verdict(job, r, capture, log, regression);
    }
}
