package dev.extfarm.recipe;

import dev.extfarm.bundle.BundleAddress;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code test.regress} and {@code test.known_failures}: whether upstream's regression suite
 * runs ({@code auto}, the default: the Makefile's PGXS {@code REGRESS}; {@code false}; or a mapping
 * that names the tests), and the tests known to fail, each with its reason. Test names become file
 * names in the suite and appear in reports, so they are plain names; the number of known failures
 * is bounded (a suite that fails that much should not run: {@code regress: false}).
 */
final class RegressSection {

    /** A pg_regress test name: {@code sql/<name>.sql}, {@code expected/<name>.out}. */
    static final Pattern TEST_NAME = Recipe.Regress.TEST_NAME;
    static final String TEST_NAME_RULE = "1-100 letters, digits and _ . + - starting with a letter, digit or _";
    /** A directory of the source, relative, without {@code ..}. */
    static final Pattern INPUT_DIR = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*(/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*");
    static final int MAX_TESTS = 1000;
    static final int MAX_KNOWN_FAILURES = 100;
    static final int MAX_LOAD_EXTENSIONS = 20;
    static final int MAX_REASON = 300;

    private RegressSection() {
    }

    static Recipe.Regress read(MappingReader test) {
        Recipe.Regress.Mode mode = Recipe.Regress.Mode.AUTO;
        List<String> tests = List.of();
        Optional<String> inputdir = Optional.empty();
        List<String> loadExtensions = List.of();
        Optional<YamlNode.Entry> entry = test.entry("regress");
        if (entry.isPresent()) {
            YamlNode v = entry.get().value();
            if (v instanceof YamlNode.Scalar s && s.kind() == YamlNode.ScalarKind.BOOLEAN && s.text().equalsIgnoreCase("false")) {
                mode = Recipe.Regress.Mode.OFF;
            } else if (v instanceof YamlNode.Scalar s && s.kind() == YamlNode.ScalarKind.STRING && s.text().equals("auto")) {
                mode = Recipe.Regress.Mode.AUTO;
            } else if (v instanceof YamlNode.Mapping) {
                MappingReader r = test.mapping("regress").orElseThrow();
                mode = Recipe.Regress.Mode.LISTED;
                tests = r.list("tests", (node, field) -> r.scalarText(node, node.position(), field).filter(n -> {
                    if (TEST_NAME.matcher(n).matches()) {
                        return true;
                    }
                    test.problems().error(node.position(), field, "'" + n + "' is not a test name (" + TEST_NAME_RULE + ")");
                    return false;
                }));
                tests = List.copyOf(new LinkedHashSet<>(tests));
                if (tests.isEmpty() && r.entry("tests").isEmpty()) {
                    test.problems().error(entry.get().keyPosition(), "test.regress.tests", "is required: the names of the tests "
                            + "(sql/<name>.sql and expected/<name>.out under inputdir)");
                } else if (tests.size() > MAX_TESTS) {
                    test.problems().error(r.keyPosition("tests").orElseThrow(), "test.regress.tests", "more than " + MAX_TESTS + " tests");
                }
                inputdir = r.string("inputdir").filter(d -> {
                    if (d.length() <= 200 && INPUT_DIR.matcher(d).matches() && !List.of(d.split("/")).contains("..")) {
                        return true;
                    }
                    test.problems().error(r.keyPosition("inputdir").orElseThrow(), "test.regress.inputdir",
                            "'" + d + "' must be a directory of the source, relative and without '..' (such as test)");
                    return false;
                });
                // names only: each becomes one pg_regress argument --load-extension=<name>
                loadExtensions = List.copyOf(new LinkedHashSet<>(r.list("load_extensions", (node, field) ->
                        r.scalarText(node, node.position(), field).filter(n -> {
                            if (BundleAddress.isValidName(n)) {
                                return true;
                            }
                            test.problems().error(node.position(), field, "'" + n + "' is not an extension name ("
                                    + BundleAddress.NAME_RULE + ")");
                            return false;
                        }))));
                if (loadExtensions.size() > MAX_LOAD_EXTENSIONS) {
                    test.problems().error(r.keyPosition("load_extensions").orElseThrow(), "test.regress.load_extensions",
                            "more than " + MAX_LOAD_EXTENSIONS + " extensions");
                }
                r.finish();
            } else {
                test.problems().error(entry.get().keyPosition(), "test.regress", "must be auto, false, or a mapping with tests "
                        + "(and inputdir), not " + YamlNode.describe(v) + (v instanceof YamlNode.Scalar s ? " '" + s.text() + "'" : ""));
            }
        }
        Map<String, String> known = knownFailures(test);
        if (mode == Recipe.Regress.Mode.OFF && !known.isEmpty()) {
            test.problems().error(test.keyPosition("known_failures").orElseThrow(), "test.known_failures",
                    "lists failures of a suite that does not run (test.regress: false)");
        }
        return new Recipe.Regress(mode, tests, inputdir, known, loadExtensions);
    }

    private static Map<String, String> knownFailures(MappingReader test) {
        Map<String, MappingReader.ValueAt> raw = test.stringMap("known_failures");
        if (raw.size() > MAX_KNOWN_FAILURES) {
            test.problems().error(test.keyPosition("known_failures").orElseThrow(), "test.known_failures", raw.size()
                    + " known failures; at most " + MAX_KNOWN_FAILURES + ": a suite that fails that much tells a packager "
                    + "nothing, turn it off (test.regress: false) and say why in a comment");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : raw.entrySet()) {
            MappingReader.ValueAt v = e.getValue();
            String reason = v.text().strip();
            if (!TEST_NAME.matcher(e.getKey()).matches()) {
                test.problems().error(v.position(), v.field(), "'" + e.getKey() + "' is not a test name (" + TEST_NAME_RULE + ")");
            } else if (reason.isEmpty()) {
                test.problems().error(v.position(), v.field(), "needs a reason: why does this test fail, and who will fix it?");
            } else if (reason.length() > MAX_REASON || reason.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                test.problems().error(v.position(), v.field(), "the reason must be one line of at most " + MAX_REASON
                        + " characters without control characters");
            } else {
                out.put(e.getKey(), reason);
            }
        }
        return out;
    }
}
