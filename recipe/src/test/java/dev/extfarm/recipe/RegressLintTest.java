package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** test.regress and test.known_failures: upstream's regression suite (docs/recipes.md). */
class RegressLintTest {

    private static final String HEAD = """
            name: demo
            version: 1.0.0
            description: demo
            license: MIT
            source:
              url: https://example.org/demo-1.0.0.tar.gz
              sha256: %s
            """.formatted("0".repeat(64));

    private static RecipeCheck check(String yaml) {
        return RecipeParser.check(RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), Map.of()), "recipes/demo",
                ValidationOptions.defaults());
    }

    private static List<String> errors(String yaml) {
        return check(yaml).errors().stream().map(RecipeProblem::toString).toList();
    }

    @Test
    void withoutAnyFieldTheSuiteIsTheMakefilesAndNothingIsKnownToFail() throws Exception {
        Recipe r = check(HEAD).orThrow();
        assertThat(r.test().regress()).isEqualTo(Recipe.Regress.AUTO);
        assertThat(check(HEAD + "test:\n  regress: auto\n").orThrow().test().regress()).isEqualTo(Recipe.Regress.AUTO);
        assertThat(check(HEAD + "test:\n  regress: false\n").orThrow().test().regress().mode()).isEqualTo(Recipe.Regress.Mode.OFF);
    }

    @Test
    void aListedSuiteAndKnownFailuresWithReasons() throws Exception {
        Recipe r = check(HEAD + """
                test:
                  regress:
                    inputdir: test/pg
                    tests: [base, ops, base]
                  known_failures:
                    ops: "expects PostgreSQL 16's error text"
                """).orThrow();
        assertThat(r.test().regress()).isEqualTo(new Recipe.Regress(Recipe.Regress.Mode.LISTED, List.of("base", "ops"),
                Optional.of("test/pg"), Map.of("ops", "expects PostgreSQL 16's error text")));
    }

    @Test
    void aListedSuiteCanHavePgRegressCreateExtensionsFirst() throws Exception {
        Recipe r = check(HEAD + """
                test:
                  regress:
                    inputdir: h3/test
                    tests: [type, edge]
                    load_extensions: [demo, demo, postgis]
                """).orThrow();
        assertThat(r.test().regress().loadExtensions()).containsExactly("demo", "postgis");
        assertThat(check(HEAD + "test:\n  regress:\n    tests: [a]\n").orThrow().test().regress().loadExtensions()).isEmpty();
    }

    @Test
    void loadExtensionsAreExtensionNamesNeverOptionsOrShellWords() {
        // each name becomes one pg_regress argument --load-extension=<name>: an option or a shell
        // word smuggled in as a name would reach pg_regress's command line
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    load_extensions: [\"--schedule=/etc/passwd\", \"x; rm -rf /\", \"$(id)\", ok]\n"))
                .hasSize(3).allSatisfy(e -> assertThat(e).contains("test.regress.load_extensions[").contains("is not an extension name"));
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    load_extensions: demo\n")).singleElement().asString()
                .contains("test.regress.load_extensions");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 21; i++) {
            many.append(i == 0 ? "" : ", ").append("e").append(i);
        }
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    load_extensions: [" + many + "]\n")).singleElement().asString()
                .contains("more than 20 extensions");
    }

    @Test
    void hostileNamesDirectoriesAndReasonsAreRefusedWithTheField() {
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [../../etc/passwd, \"a b\", ok]\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:13: test.regress.tests[0]: '../../etc/passwd' is not a test name "
                        + "(1-100 letters, digits and _ . + - starting with a letter, digit or _)",
                "recipes/demo/recipe.yaml:10:31: test.regress.tests[1]: 'a b' is not a test name "
                        + "(1-100 letters, digits and _ . + - starting with a letter, digit or _)");
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    inputdir: ../outside\n")).containsExactly(
                "recipes/demo/recipe.yaml:11:5: test.regress.inputdir: '../outside' must be a directory of the source, "
                        + "relative and without '..' (such as test)");
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    inputdir: /etc\n")).hasSize(1);
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    inputdir: test/../..\n")).hasSize(1);
        assertThat(errors(HEAD + "test:\n  regress:\n    inputdir: test\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: test.regress.tests: is required: the names of the tests "
                        + "(sql/<name>.sql and expected/<name>.out under inputdir)");
        assertThat(errors(HEAD + "test:\n  regress: true\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: test.regress: must be auto, false, or a mapping with tests (and inputdir), not a boolean 'true'");
        assertThat(errors(HEAD + "test:\n  regress:\n    tests: [a]\n    command: make check\n")).singleElement().asString()
                .contains("test.regress.command: unknown field");
        assertThat(errors(HEAD + "test:\n  known_failures:\n    a:\n    \"x;rm -rf /\": why\n    b: \"two\\nlines\"\n"))
                .containsExactly(
                        "recipes/demo/recipe.yaml:10:5: test.known_failures.a: needs a reason: why does this test fail, and who will fix it?",
                        "recipes/demo/recipe.yaml:11:5: test.known_failures.x;rm -rf /: 'x;rm -rf /' is not a test name "
                                + "(1-100 letters, digits and _ . + - starting with a letter, digit or _)",
                        "recipes/demo/recipe.yaml:12:5: test.known_failures.b: the reason must be one line of at most 300 "
                                + "characters without control characters");
        assertThat(errors(HEAD + "test:\n  regress: false\n  known_failures:\n    a: flaky\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:3: test.known_failures: lists failures of a suite that does not run (test.regress: false)");
    }

    @Test
    void tenThousandKnownFailuresAreOneErrorNotTenThousand() {
        StringBuilder yaml = new StringBuilder(HEAD + "test:\n  known_failures:\n");
        for (int i = 0; i < 10_000; i++) {
            yaml.append("    t").append(i).append(": r\n");
        }
        RecipeCheck c = check(yaml.toString());
        // 10,000 entries are more than recipe.yaml may hold (64 KiB): refused before any is read
        assertThat(c.errors()).hasSize(1);
        StringBuilder within = new StringBuilder(HEAD + "test:\n  known_failures:\n");
        for (int i = 0; i < 101; i++) {
            within.append("    t").append(i).append(": r\n");
        }
        assertThat(errors(within.toString())).containsExactly("recipes/demo/recipe.yaml:9:3: test.known_failures: 101 known "
                + "failures; at most 100: a suite that fails that much tells a packager nothing, turn it off (test.regress: false) "
                + "and say why in a comment");
    }

    /** docs/recipes.md shows the fields in a recipe that parses to what the text says. */
    @Test
    void theDocsExampleParses() throws Exception {
        String docs = Files.readString(Path.of(System.getProperty("extfarm.docs.dir", "../docs"), "recipes.md"));
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(docs);
        Recipe found = null;
        while (block.find()) {
            if (block.group(1).contains("known_failures:")) {
                found = RecipeParser.check(RecipeBundle.of(block.group(1).getBytes(StandardCharsets.UTF_8), Map.of()), "docs",
                        ValidationOptions.defaults()).orThrow();
            }
        }
        assertThat(found).isNotNull();
        assertThat(found.test().regress().mode()).isEqualTo(Recipe.Regress.Mode.LISTED);
        assertThat(found.test().regress().tests()).containsExactly("base", "corpus");
        assertThat(found.test().regress().inputdir()).contains("test");
        assertThat(found.test().regress().knownFailures()).containsOnlyKeys("corpus");
    }
}
