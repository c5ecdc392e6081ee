package dev.extfarm.cli;

import dev.extfarm.cli.exit.UsageException;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints the shell completion script picocli generates from the command tree. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a completion script for bash (zsh too, after `autoload -U bashcompinit && bashcompinit`).",
                "It completes commands, subcommands and options."},
        footer = {"", "Examples:", "  source <(extfarm completion bash)",
                "  extfarm completion bash > /etc/bash_completion.d/extfarm"})
public final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", defaultValue = "bash", description = "bash (the only one; default: ${DEFAULT-VALUE})")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash")) {
            throw new UsageException("no completion for '" + shell + "': only bash (zsh can load it through bashcompinit)");
        }
        spec.commandLine().getOut().print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
