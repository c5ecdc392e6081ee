package dev.extfarm.worker.pipeline;

import dev.extfarm.recipe.Recipe;
import dev.extfarm.worker.pipeline.BuildFailure.Responsibility;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The step {@code installcheck}: upstream's regression suite (the Makefile's PGXS {@code REGRESS},
 * or the tests {@code test.regress} names), prepared by the build ({@code regress-prepare.sh}) and
 * run by pg_regress, as {@code make installcheck} runs it, in the test container right after the
 * smoke test ({@link TestContainer}, installcheck.sh): the runtime image's {@code postgres} user, no
 * network, no capability, the build's limits and wall time, the farm's dependencies and the bundle
 * installed, the recipe's test settings and preloads, on a server of its own started on a cluster
 * the smoke test never touched. The container's standard output carries {@code regression.diffs}
 * as bytes while its log goes to standard error.
 *
 * <p>Everything it returns is untrusted: the diffs are kept as bytes (at most
 * {@link #MAX_DIFFS_BYTES}, the rest dropped), never interpreted; results come from pg_regress's
 * lines ({@link RegressionReport}). A failing test fails the build with {@code regression-failed}
 * (upstream's) unless the recipe lists it in {@code test.known_failures}.
 */
final class Installcheck {

    /** regression.diffs kept per build; what is beyond is dropped and the report says so. */
    static final long MAX_DIFFS_BYTES = 4L << 20;
    static final String DIFFS_FILE = "regression.diffs";
    static final String BEGIN = "##[extfarm] regress begin";
    static final String END = "##[extfarm] regress end ";

    private Installcheck() {
    }

    /** The job directory's part: the scripts and what {@code test.regress} says ({@code /job/regress/}). */
    static void writeJobFiles(BuildJob job, Path jobDir) throws IOException {
        for (String script : List.of("regress-prepare.sh", "installcheck.sh")) {
            try (InputStream in = Installcheck.class.getResourceAsStream(script)) {
                Files.copy(in, jobDir.resolve(script));
            }
        }
        Recipe.Regress regress = job.regress();
        if (regress.mode() == Recipe.Regress.Mode.OFF) {
            return;
        }
        Path dir = Files.createDirectories(jobDir.resolve("regress"));
        Files.writeString(dir.resolve("mode"), regress.mode() == Recipe.Regress.Mode.LISTED ? "listed" : "auto");
        if (regress.mode() == Recipe.Regress.Mode.LISTED) {
            // names and directory as the recipe module checked them (no separator, no '..')
            Files.write(dir.resolve("tests"), regress.tests(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("inputdir"), regress.inputdir().orElse("."));
            Files.write(dir.resolve("load_extensions"), regress.loadExtensions(), StandardCharsets.UTF_8);
        }
    }

    /** Whether the build prepared a suite: {@code out/regress/tests}, looked at without following any link. */
    static boolean prepared(Path out) {
        Path dir = out.resolve("regress");
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(dir.resolve("tests"), LinkOption.NOFOLLOW_LINKS);
    }

    /** Why upstream's suite does not run in this build's test container (a log line), or empty when it runs. */
    static Optional<String> notRun(BuildJob job, Path out, boolean rebuild) {
        if (rebuild) { // a reproducibility rebuild compares bytes; the first build ran the suite
            return Optional.of("##[extfarm] regress: a reproducibility rebuild; the first build ran upstream's suite");
        }
        if (job.regress().mode() == Recipe.Regress.Mode.OFF) {
            return Optional.of("##[extfarm] regress: test.regress is false; upstream's suite does not run");
        }
        if (!prepared(out)) {
            return Optional.of("##[extfarm] regress: no regression suite to run");
        }
        return Optional.empty();
    }

    /**
     * What the test container gives the suite's verdict: its log lines (all passed on to the log;
     * pg_regress's, between {@link #BEGIN} and {@link #END}, kept) and its standard output, the
     * diffs (the first {@link #MAX_DIFFS_BYTES} kept in {@code diffs}, the rest drained).
     */
    static final class Capture implements Consumer<String>, DockerCli.OutputReader {
        private final Path diffs;
        private final Consumer<String> log;
        private final List<String> suiteLines = new ArrayList<>();
        private boolean inside;
        private long kept;
        private boolean truncated;

        Capture(Path diffs, Consumer<String> log) throws IOException {
            this.diffs = diffs;
            this.log = log;
            Files.deleteIfExists(diffs);
        }

        @Override
        public void accept(String line) {
            synchronized (this) {
                if (line.equals(BEGIN)) {
                    inside = true;
                } else if (line.startsWith(END)) {
                    inside = false;
                } else if (inside && suiteLines.size() < RegressionReport.MAX_RESULTS + 1000) {
                    suiteLines.add(line);
                }
            }
            log.accept(line);
        }

        @Override
        public void read(InputStream stdout) throws IOException {
            byte[] buf = new byte[64 * 1024];
            try (OutputStream os = Files.newOutputStream(diffs)) {
                for (int n; (n = stdout.read(buf)) >= 0; ) {
                    long room = MAX_DIFFS_BYTES - kept;
                    if (room > 0) {
                        int w = (int) Math.min(room, n);
                        os.write(buf, 0, w);
                        kept += w;
                        if (w < n) {
                            truncated = true;
                        }
                    } else if (n > 0) {
                        truncated = true;
                    }
                }
            }
        }

        synchronized List<String> suiteLines() {
            return new ArrayList<>(suiteLines);
        }
    }

    /**
     * The suite's verdict from the test container's end (the smoke test passed in it): its
     * report, or the step's failure with the report in {@code holder} so the build record keeps it.
     */
    static Optional<RegressionReport> verdict(BuildJob job, DockerCli.Result r, Capture capture, BuildLog log,
                                              AtomicReference<RegressionReport> holder)
            throws IOException {
        if (r.daemonError() || r.timedOut() || r.oomKilled() || r.exitCode() == 137) {
            throw FailureClassifier.classify(Step.INSTALLCHECK, r, log.tail()).toException();
        }
        List<String> suiteLines = capture.suiteLines();
        Optional<Path> diffsFile = capture.kept > 0 ? Optional.of(capture.diffs) : Optional.empty();
        if (capture.kept == 0) {
            Files.deleteIfExists(capture.diffs);
        }
        RegressionReport report = RegressionReport.parse(suiteLines, r.exitCode(), job.regress(), diffsFile, capture.kept, capture.truncated);
        holder.set(report);
        log.accept("##[extfarm] regress: " + report.run() + " tests, " + report.passed() + " passed, " + report.failed() + " failed"
                + (report.ignored() > 0 ? ", " + report.ignored() + " ignored" : "")
                + (report.failedTests().isEmpty() ? "" : ": " + String.join(" ", report.failedTests()))
                + (capture.kept > 0 ? "; regression.diffs " + capture.kept + " bytes" + (capture.truncated ? " (cut)" : "") : ""));
        report.knownFailures().forEach((t, why) -> log.accept("##[extfarm] warning: " + t + " failed, a known failure: " + why));
        report.staleKnownFailures().forEach(t -> log.accept("##[extfarm] warning: " + t
                + " is listed in test.known_failures but passed: take it out"));
        switch (r.exitCode()) {
            case 0 -> {
                if (report.failed() > 0) { // pg_regress says all passed; its lines say otherwise
                    throw regressionFailed(report);
                }
                return Optional.of(report);
            }
            case 63 -> {
                boolean allNamed = report.failed() == report.failedTests().size();
                if (report.failed() > 0 && allNamed && report.unexpectedFailures().isEmpty()) {
                    log.accept("##[extfarm] regress: every failure is a known failure (test.known_failures): the build goes on");
                    return Optional.of(report);
                }
                throw regressionFailed(report);
            }
            case 60 -> throw new BuildFailure(Step.INSTALLCHECK, "installcheck-setup-failed", Responsibility.FARM, 60,
                    lastFailure(log, "the image is not prepared for an unprivileged installcheck")).toException();
            case 61, 64 -> throw new BuildFailure(Step.INSTALLCHECK, "regression-error", Responsibility.RECIPE, r.exitCode(),
                    lastFailure(log, "pg_regress could not run the suite") + ": " + firstError(suiteLines)
                            + "; fix test.regress (tests, inputdir) or turn the suite off with test.regress: false").toException();
            case 62 -> throw new BuildFailure(Step.INSTALLCHECK, "server-start-failed", Responsibility.RECIPE, 62,
                    "PostgreSQL did not start for the regression suite").toException();
            default -> throw new BuildFailure(Step.INSTALLCHECK, "unexpected-exit", Responsibility.FARM, r.exitCode(),
                    "the test container exited with " + r.exitCode() + " during the regression suite").toException();
        }
    }

    private static BuildFailure.Exception regressionFailed(RegressionReport report) {
        List<String> unexpected = report.unexpectedFailures();
        int unnamed = report.failed() - report.failedTests().size();
        String names = String.join(", ", unexpected.subList(0, Math.min(20, unexpected.size())))
                + (unexpected.size() > 20 ? " and " + (unexpected.size() - 20) + " more" : "")
                + (unnamed > 0 ? (unexpected.isEmpty() ? "" : "; ") + unnamed + " more not named" : "");
        return new BuildFailure(Step.INSTALLCHECK, "regression-failed", Responsibility.UPSTREAM, 63,
                report.failed() + " of " + report.run() + " regression tests failed: " + (names.isEmpty() ? "see the log" : names)
                        + (report.diffs().isPresent() ? " (regression.diffs is kept with the build)" : "")
                        + "; a failure nobody can fix in the recipe goes into test.known_failures with its reason").toException();
    }

    /** pg_regress's first complaint (an unknown option, a missing file), cut to one short line. */
    private static String firstError(List<String> suiteLines) {
        for (String line : suiteLines) {
            if (line.matches("(?i).*(unrecognized|could not|cannot|no such file|error|failed).*")) {
                String l = line.strip();
                return l.length() > 300 ? l.substring(0, 300) + "…" : l;
            }
        }
        return "see the log";
    }

    private static String lastFailure(BuildLog log, String fallback) {
        List<String> tail = log.tail();
        for (int i = tail.size() - 1; i >= 0; i--) {
            if (tail.get(i).startsWith("##[extfarm] failed: ")) {
                return tail.get(i).substring("##[extfarm] failed: ".length());
            }
        }
        return fallback;
    }

}
