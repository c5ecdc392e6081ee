package dev.extfarm.recipe;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of checking a recipe: the recipe when it has no errors, and every problem found
 * (errors and warnings) in file order.
 */
public record RecipeCheck(Optional<Recipe> recipe, List<RecipeProblem> problems) {

    public RecipeCheck {
        problems = List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(RecipeProblem::isError);
    }

    public List<RecipeProblem> errors() {
        return problems.stream().filter(RecipeProblem::isError).toList();
    }

    public List<RecipeProblem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }

    /** The recipe, or the exception listing every problem. */
    public Recipe orThrow() throws InvalidRecipeException {
        if (recipe.isEmpty()) {
            throw new InvalidRecipeException(problems);
        }
        return recipe.get();
    }
}
