package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each broken fixture gives exactly the problem a maintainer needs, at the right file:line:col. */
class RecipeLinterTest {

    private static final String FIXTURES = "src/test/resources/fixtures/";

    private static List<String> errors(String fixture) {
        return RecipeLinter.lint(Path.of(FIXTURES + fixture)).stream()
                .filter(RecipeProblem::isError).map(RecipeProblem::toString).toList();
    }

    @Test
    void unknownFieldIsNamedWithItsLineAndASuggestion() {
        assertThat(errors("unknown-field")).containsExactly(FIXTURES
                + "unknown-field/recipe.yaml:9:3: build.make_flag: unknown field (did you mean 'make_flags'?)");
    }

    @Test
    void badHashNamesTheField() {
        assertThat(errors("bad-hash")).containsExactly(FIXTURES
                + "bad-hash/recipe.yaml:7:3: source.sha256: must be 64 lowercase hex digits (found 63 characters)");
    }

    @Test
    void missingLicenseIsReportedAtTheTop() {
        assertThat(errors("missing-license")).containsExactly(FIXTURES
                + "missing-license/recipe.yaml:1:1: license: is required");
    }

    @Test
    void anEmptyValueIsTheFieldLeftOut() {
        assertThat(errors("empty-values")).containsExactly(FIXTURES
                + "empty-values/recipe.yaml:8:3: source.sha256: is required and must not be empty");
    }

    @Test
    void unknownPgMajorIsReportedAtItsListItem() {
        assertThat(errors("unknown-pg-major")).containsExactly(FIXTURES
                + "unknown-pg-major/recipe.yaml:9:5: pg[1]: unknown PostgreSQL major 12 (known: 13, 14, 15, 16, 17, 18)");
    }

    @Test
    void missingPatchFileIsReportedWhereItIsListed() {
        assertThat(errors("missing-patch")).containsExactly(FIXTURES
                + "missing-patch/recipe.yaml:10:7: build.patches[1]: patches/absent.patch does not exist (patches/ holds: present.patch)");
    }

    @Test
    void badNameQuotesTheRule() {
        assertThat(errors("bad-name")).singleElement().asString()
                .startsWith(FIXTURES + "bad-name/recipe.yaml:2:1: name: 'Bad.Name' must match [a-z0-9][a-z0-9_-]{0,62}");
    }

    @Test
    void unlistedPatchFileIsAnError() {
        assertThat(errors("unlisted-patch")).containsExactly(FIXTURES
                + "unlisted-patch/patches/forgotten.patch: build.patches: not listed in build.patches; list it there or delete the file");
    }

    @Test
    void validRecipesHaveNoErrors() {
        assertThat(errors("full")).isEmpty();
        assertThat(errors("minimal")).isEmpty();
    }

    @Test
    void missingDescriptionIsOnlyAWarning() {
        assertThat(RecipeLinter.lint(Path.of(FIXTURES + "minimal"))).map(RecipeProblem::toString)
                .containsExactly(FIXTURES + "minimal/recipe.yaml:1:1: warning: description: missing; the catalog shows it to packagers");
    }

    @Test
    void aDirectoryWithoutRecipeYamlIsAProblemNotAnException() {
        assertThat(RecipeLinter.lint(Path.of(FIXTURES + "does-not-exist"))).map(RecipeProblem::toString)
                .singleElement().asString().startsWith(FIXTURES + "does-not-exist/recipe.yaml: no such file");
    }

    @Test
    void transportFormLintsLikeTheDirectory() throws Exception {
        RecipeBundle bundle = RecipeBundle.readDirectory(Path.of(FIXTURES + "missing-patch"));
        assertThat(RecipeLinter.lintJson(bundle.toJson(), ValidationOptions.defaults()))
                .filteredOn(RecipeProblem::isError).map(RecipeProblem::toString)
                .containsExactly("recipe.yaml:10:7: build.patches[1]: patches/absent.patch does not exist (patches/ holds: present.patch)");
    }

    @Test
    void nameMustMatchTheDirectory() {
        // the directory check applies to directories only; the transport form has no directory
        assertThat(errors("full")).isEmpty();
        assertThat(RecipeParser.check(RecipeBundle.of("""
                name: other
                version: 1.0.0
                license: MIT
                source: {url: 'https://example.org/a.tar.gz', sha256: '%s'}
                """.formatted("0".repeat(64)).getBytes(), java.util.Map.of()), "recipes/vector", ValidationOptions.defaults())
                .hasErrors()).isFalse();
    }
}
