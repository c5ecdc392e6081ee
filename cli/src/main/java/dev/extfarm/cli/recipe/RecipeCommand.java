package dev.extfarm.cli.recipe;

import dev.extfarm.cli.recipe.init.InitCommand;
import picocli.CommandLine.Command;

@Command(name = "recipe", mixinStandardHelpOptions = true,
        description = "Start, check, push and prepare extension recipes (docs/recipes.md).",
        footer = {"", "Example:", "  extfarm recipe init myext && extfarm recipe lint recipes/myext && extfarm recipe push recipes/myext"},
        subcommands = {InitCommand.class, LintCommand.class, PushCommand.class, FetchCommand.class})
public final class RecipeCommand {
}
