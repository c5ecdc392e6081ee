package dev.extfarm.cli.recipe;

import dev.extfarm.recipe.RecipeLinter;
import dev.extfarm.recipe.RecipeProblem;
import dev.extfarm.recipe.ValidationOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "lint", mixinStandardHelpOptions = true,
        description = {"Check recipes the way the registry will; every problem as file:line:column: field: message.",
                "Exit 0: valid (warnings allowed); 1: errors; 2: usage."},
        footer = {"", "Example:", "  extfarm recipe lint recipes/vector recipes/semver"})
public final class LintCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "recipe directories (recipe.yaml + patches/)")
    List<Path> dirs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int errors = 0;
        for (Path dir : dirs) {
            List<RecipeProblem> problems = RecipeLinter.lint(dir, ValidationOptions.defaults());
            problems.forEach(p -> (p.isError() ? err : out).println(p));
            long e = problems.stream().filter(RecipeProblem::isError).count();
            errors += (int) e;
            if (e == 0) {
                out.println(dir + ": ok" + (problems.isEmpty() ? "" : " (" + problems.size() + " warnings)"));
            }
        }
        return errors == 0 ? 0 : 1;
    }
}
