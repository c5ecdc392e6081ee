package dev.extfarm.worker.pipeline;

import dev.extfarm.recipe.Recipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What upstream's regression suite said, read from pg_regress's own lines (between the
 * installcheck script's markers) and nothing else. Those lines come out of the recipe's sandbox,
 * so they are untrusted: a name that is not a test name is counted but never repeated, counts
 * and names are bounded, and a failure is excused only by the recipe's {@code test.known_failures}.
 *
 * @param run           result lines read (at most {@link #MAX_RESULTS})
 * @param failedTests   failing tests' names, in order (at most {@link #MAX_NAMED}; {@link #UNNAMED} for an invalid name)
 * @param knownFailures failing tests the recipe lists, with its reason: warnings
 * @param staleKnownFailures tests the recipe lists as known failures that passed
 * @param diffs         the kept {@code regression.diffs} (at most {@link Installcheck#MAX_DIFFS_BYTES}), if any
 */
public record RegressionReport(int run, int passed, int failed, int ignored, List<String> failedTests,
                               Map<String, String> knownFailures, List<String> staleKnownFailures, int exitCode,
                               Optional<Path> diffs, long diffsBytes, boolean diffsTruncated) {

    static final int MAX_RESULTS = 100_000;
    static final int MAX_NAMED = 200;
    static final String UNNAMED = "(not a test name)";

    /** PostgreSQL 15 and before: {@code test name ... ok|FAILED|failed (ignored)}, parallel items indented. */
    private static final Pattern CLASSIC = Pattern.compile("^(?:test +| +)(\\S+) +\\.\\.\\. +(ok|FAILED|failed \\(ignored\\))(?:\\s.*)?$");
    /** PostgreSQL 16 and later (TAP): {@code ok 1 - name 12 ms}, {@code not ok 2 + name ...}. */
    private static final Pattern TAP = Pattern.compile("^(not ok|ok) +\\d+ +[-+] +(\\S+)(.*)$");

    public RegressionReport {
        failedTests = List.copyOf(failedTests);
        knownFailures = Map.copyOf(knownFailures);
        staleKnownFailures = List.copyOf(staleKnownFailures);
    }

    /** Failures the recipe does not excuse. */
    public List<String> unexpectedFailures() {
        return failedTests.stream().filter(t -> !knownFailures.containsKey(t)).toList();
    }

    /** The report of pg_regress's output {@code lines} (only those between the markers), as {@code regress} judges it. */
    static RegressionReport parse(List<String> lines, int exitCode, Recipe.Regress regress, Optional<Path> diffs,
                                  long diffsBytes, boolean diffsTruncated) {
        int run = 0;
        int passed = 0;
        int failed = 0;
        int ignored = 0;
        List<String> failedTests = new ArrayList<>();
        List<String> passedKnown = new ArrayList<>();
        for (String line : lines) {
            if (run >= MAX_RESULTS) {
                break;
            }
            String name;
            String status;
            Matcher m = CLASSIC.matcher(line);
            Matcher t = TAP.matcher(line);
            if (m.matches()) {
                name = m.group(1);
                status = m.group(2).startsWith("failed") ? "ignored" : m.group(2).equals("ok") ? "ok" : "failed";
            } else if (t.matches()) {
                name = t.group(2);
                status = t.group(3).contains("# (ignored)") || t.group(3).contains("(ignored)") ? "ignored"
                        : t.group(1).equals("ok") ? "ok" : "failed";
            } else {
                continue;
            }
            run++;
            boolean valid = Recipe.Regress.TEST_NAME.matcher(name).matches();
            switch (status) {
                case "ok" -> {
                    passed++;
                    if (valid && regress.knownFailures().containsKey(name)) {
                        passedKnown.add(name);
                    }
                }
                case "ignored" -> ignored++;
                default -> {
                    failed++;
                    if (failedTests.size() < MAX_NAMED) {
                        failedTests.add(valid ? name : UNNAMED);
                    }
                }
            }
        }
        Map<String, String> known = new TreeMap<>();
        for (String f : failedTests) {
            if (regress.knownFailures().containsKey(f)) {
                known.put(f, regress.knownFailures().get(f));
            }
        }
        return new RegressionReport(run, passed, failed, ignored, failedTests, known, passedKnown, exitCode, diffs, diffsBytes,
                diffsTruncated);
    }
}
