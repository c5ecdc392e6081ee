package dev.extfarm.worker.pipeline;

import dev.extfarm.worker.pipeline.BuildFailure.Responsibility;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a container's end (exit code, OOM kill, timeout, log tail) into a {@link BuildFailure}.
 * The exit codes are the ones build.sh and smoke-test.sh use for each step.
 */
final class FailureClassifier {

    private static final Pattern NETWORK = Pattern.compile(
            "(?i)(could not resolve host|temporary failure in name resolution|network is unreachable|"
                    + "name or service not known|couldn't connect to server|failed to connect|connection refused|"
                    + "unable to resolve|getaddrinfo)");
    private static final Pattern MISSING_DEPENDENCY = Pattern.compile(
            "(fatal error: [^:]+: No such file or directory|cannot find -l\\S+|"
                    + "Package '?\\S+'? was not found in the pkg-config search path|: command not found|"
                    + "No package '\\S+' found)");

    /** What configure and cmake print when a dependency is missing, besides what a compiler prints. */
    private static final Pattern MISSING_DEPENDENCY_AT_CONFIGURE = Pattern.compile(
            "(Could NOT find \\S+|Could not find a package configuration file provided by \"?\\S+?\"?|"
                    + "fatal error: [^:]+: No such file or directory|"
                    + "Package '?\\S+'? was not found in the pkg-config search path|No package '\\S+' found|: command not found)");

    private FailureClassifier() {
    }

    static BuildFailure classify(Step step, DockerCli.Result r, List<String> tail) {
        String last = tail.isEmpty() ? "" : tail.get(tail.size() - 1);
        if (r.daemonError()) {
            return new BuildFailure(step, "docker-unavailable", Responsibility.FARM, r.exitCode(),
                    "Docker could not run the container; the job goes back to the queue");
        }
        if (r.timedOut()) {
            return new BuildFailure(step, "timeout", Responsibility.RECIPE, r.exitCode(),
                    "the " + step.id() + " step ran past the wall-time limit; raise the limit or make the build faster");
        }
        if (r.oomKilled() || r.exitCode() == 137) {
            return new BuildFailure(step, "out-of-memory", Responsibility.RECIPE, r.exitCode(),
                    "the container was killed for using more memory than its limit during " + step.id());
        }
        String joined = String.join("\n", tail);
        return switch (r.exitCode()) {
            case 5 -> new BuildFailure(Step.VERIFY_SOURCE, "bad-source-archive", Responsibility.RECIPE, 5, afterMarker(last,
                    "the source archive does not unpack or lacks the subdir"));
            case 10 -> new BuildFailure(Step.PATCH, "patch-rejected", Responsibility.RECIPE, 10, afterMarker(last,
                    "a patch does not apply to this source; refresh it"));
            case 20 -> NETWORK.matcher(joined).find()
                    ? new BuildFailure(Step.PRE_BUILD, "network-access", Responsibility.RECIPE, 20,
                    "the pre_build script tried to use the network; builds run with --network none: vendor what it downloads")
                    : new BuildFailure(Step.PRE_BUILD, "pre-build-failed", Responsibility.RECIPE, 20, "the pre_build script failed");
            case 25 -> {
                var m = MISSING_DEPENDENCY_AT_CONFIGURE.matcher(joined);
                yield m.find()
                        ? new BuildFailure(Step.CONFIGURE, "missing-build-dependency", Responsibility.RECIPE, 25,
                        "'" + m.group(1) + "': add the Debian package that provides it to build.build_packages")
                        : NETWORK.matcher(joined).find()
                        ? new BuildFailure(Step.CONFIGURE, "network-access", Responsibility.RECIPE, 25,
                        "the configure step tried to use the network (a download in CMakeLists.txt or configure); builds run "
                                + "with --network none: vendor what it downloads or take it from a Debian package")
                        : new BuildFailure(Step.CONFIGURE, "configure-failed", Responsibility.RECIPE, 25, afterMarker(last,
                        "the configure step failed") + ": " + firstError(tail));
            }
            case 30 -> {
                var m = MISSING_DEPENDENCY.matcher(joined);
                yield m.find()
                        ? new BuildFailure(Step.BUILD, "missing-build-dependency", Responsibility.RECIPE, 30,
                        "'" + m.group(1) + "': add the Debian package that provides it to build.build_packages")
                        : NETWORK.matcher(joined).find()
                        ? new BuildFailure(Step.BUILD, "network-access", Responsibility.RECIPE, 30,
                        "the build tried to use the network; builds run with --network none")
                        : new BuildFailure(Step.BUILD, "compile-error", Responsibility.UPSTREAM, 30,
                        "make failed: " + firstError(tail));
            }
            case 35 -> new BuildFailure(Step.INSTALL, "install-failed", Responsibility.UPSTREAM, 35, "make install failed");
            case 40 -> new BuildFailure(Step.BUNDLE_LIBS, "bundle-libs-failed", Responsibility.FARM, 40, afterMarker(last, "bundling libraries failed"));
            case 41 -> new BuildFailure(Step.BUNDLE_LIBS, "missing-runtime-library", Responsibility.RECIPE, 41, afterMarker(last,
                    "a library the module needs at run time is neither in the runtime image nor anywhere it could be bundled from")
                    + "; install it with make install or declare its Debian package in build_packages");
            case 50 -> new BuildFailure(Step.SMOKE_TEST, "smoke-test-setup-failed", Responsibility.FARM, 50, afterMarker(last,
                    "the smoke-test image is not prepared for an unprivileged smoke test"));
            case 51 -> new BuildFailure(Step.SMOKE_TEST, "missing-runtime-library", Responsibility.RECIPE, 51,
                    "a library the bundle needs is missing at run time: " + grep(tail, "not found"));
            case 52 -> new BuildFailure(Step.SMOKE_TEST, "server-start-failed", Responsibility.RECIPE, 52,
                    "PostgreSQL did not start with the bundle installed (shared_preload?)");
            case 53 -> last.contains("failed: LOAD '") && !joined.contains("cannot open shared object file")
                    ? new BuildFailure(Step.SMOKE_TEST, "smoke-test-failed", Responsibility.UPSTREAM, 53,
                    afterMarker(last, "LOAD failed") + ": " + grep(tail, "ERROR"))
                    : joined.contains("cannot open shared object file")
                    ? new BuildFailure(Step.SMOKE_TEST, "missing-runtime-library", Responsibility.RECIPE, 53,
                    "the module loads a library the runtime lacks: " + grep(tail, "cannot open shared object file"))
                    : new BuildFailure(Step.SMOKE_TEST, "smoke-test-failed", Responsibility.UPSTREAM, 53,
                    "CREATE EXTENSION failed: " + grep(tail, "ERROR"));
            case 54 -> new BuildFailure(Step.SMOKE_TEST, "smoke-test-failed", Responsibility.RECIPE, 54,
                    "the recipe's test SQL failed: " + grep(tail, "ERROR"));
            case 55 -> new BuildFailure(Step.SMOKE_TEST, "smoke-test-failed", Responsibility.RECIPE, 55, afterMarker(last,
                    "the bundle could not be copied into the smoke test's PostgreSQL installation"));
            default -> new BuildFailure(step, "unexpected-exit", Responsibility.FARM, r.exitCode(),
                    "the " + step.id() + " container exited with " + r.exitCode());
        };
    }

    private static String afterMarker(String last, String fallback) {
        String marker = "##[extfarm] failed: ";
        return last.startsWith(marker) ? last.substring(marker.length()) : fallback;
    }

    private static String firstError(List<String> tail) {
        for (String line : tail) {
            if (line.contains("error:") || line.contains("Error ")) {
                return line.strip();
            }
        }
        return "see the log";
    }

    static String grep(List<String> tail, String needle) {
        for (String line : tail) {
            if (line.contains(needle)) {
                return line.strip();
            }
        }
        return "see the log";
    }
}
