package dev.extfarm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code extfarm} command. */
@Command(name = "extfarm", mixinStandardHelpOptions = true, version = "extfarm 0.1.0",
        description = "Build farm and binary registry for PostgreSQL extension bundles.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
