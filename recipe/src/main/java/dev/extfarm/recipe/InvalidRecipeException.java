package dev.extfarm.recipe;

import java.util.List;
import java.util.stream.Collectors;

/** A recipe with at least one error. The message lists every problem, one per line. */
public class InvalidRecipeException extends Exception {

    private final transient List<RecipeProblem> problems;

    public InvalidRecipeException(List<RecipeProblem> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    /** Errors and warnings, in file order. */
    public List<RecipeProblem> problems() {
        return problems;
    }

    private static String describe(List<RecipeProblem> problems) {
        long errors = problems.stream().filter(RecipeProblem::isError).count();
        return "recipe has " + errors + (errors == 1 ? " error" : " errors") + ":\n"
                + problems.stream().map(RecipeProblem::toString).collect(Collectors.joining("\n"));
    }
}
