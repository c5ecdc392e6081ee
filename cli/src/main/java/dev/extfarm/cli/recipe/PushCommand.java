package dev.extfarm.cli.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeLinter;
import dev.extfarm.recipe.RecipeProblem;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.recipe.ValidationOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Lint, then push recipes to the registry (maintainer token). The registry stores an immutable",
                "revision and schedules one build per PostgreSQL major; an unchanged recipe schedules nothing."},
        footer = {"", "Example:", "  EXTFARM_TOKEN=efm_... extfarm recipe push recipes/vector --registry http://127.0.0.1:7780"})
public final class PushCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registry;

    @Parameters(paramLabel = "DIR", arity = "1..*")
    List<Path> dirs;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ApiClient api = new ApiClient(registry);
        int failed = 0;
        for (Path dir : dirs) {
            List<RecipeProblem> problems = RecipeLinter.lint(dir, ValidationOptions.defaults());
            if (problems.stream().anyMatch(RecipeProblem::isError)) {
                problems.forEach(err::println);
                failed++;
                continue;
            }
            RecipeBundle bundle = RecipeBundle.readDirectory(dir);
            JsonNode r = api.post("/api/v1/recipes", ApiClient.JSON.readTree(RecipeTransport.toJson(bundle)));
            String revision = r.path("revision").asText();
            if (r.path("unchanged").asBoolean(false) || r.path("scheduled").isEmpty()) {
                out.printf("%s: revision %s unchanged, nothing scheduled%n", r.path("extension").asText(dir.toString()),
                        revision.substring(0, Math.min(12, revision.length())));
            } else {
                StringBuilder s = new StringBuilder();
                for (JsonNode b : r.path("scheduled")) {
                    s.append(" #").append(b.path("build_id").asText()).append(" pg").append(b.path("pg_major").asText());
                }
                out.printf("%s: revision %s, scheduled%s%n", r.path("extension").asText(), revision.substring(0, Math.min(12, revision.length())), s);
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
