package dev.extfarm.recipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code extfarm recipe lint} prints: every problem of a recipe, errors and warnings, each
 * as {@code file:line:column: field: message}. The same checks as {@link RecipeParser}.
 */
public final class RecipeLinter {

    private RecipeLinter() {
    }

    /** Lints a recipe directory against the default farm options. */
    public static List<RecipeProblem> lint(Path dir) {
        return lint(dir, ValidationOptions.defaults());
    }

    public static List<RecipeProblem> lint(Path dir, ValidationOptions options) {
        try {
            return RecipeParser.checkDirectory(dir, options).problems();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read recipe directory " + dir, e);
        }
    }

    /** Lints the transport form; problems name {@code location}/recipe.yaml (see {@link RecipeParser}). */
    public static List<RecipeProblem> lint(RecipeBundle bundle, String location, ValidationOptions options) {
        return RecipeParser.check(bundle, location, options).problems();
    }

    /** Lints a transport JSON document, including problems with the document itself. */
    public static List<RecipeProblem> lintJson(String json, ValidationOptions options) {
        try {
            return lint(RecipeTransport.fromJson(json), "", options);
        } catch (InvalidRecipeException e) {
            return e.problems();
        }
    }
}
