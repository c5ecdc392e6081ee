package dev.extfarm.cli.recipe;

import picocli.CommandLine.Command;

@Command(name = "recipe", mixinStandardHelpOptions = true,
        description = "Check, push and prepare extension recipes (docs/recipes.md).",
        subcommands = {LintCommand.class, PushCommand.class, FetchCommand.class})
public final class RecipeCommand {
}
