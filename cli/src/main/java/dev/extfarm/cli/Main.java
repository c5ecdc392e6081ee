package dev.extfarm.cli;

import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.cli.admin.ConsistencyCommand;
import dev.extfarm.cli.admin.TenantCommand;
import dev.extfarm.cli.admin.TokenCommand;
import dev.extfarm.cli.builds.BuildLogCommand;
import dev.extfarm.cli.builds.BuildsCommand;
import dev.extfarm.cli.bundle.BundleCommand;
import dev.extfarm.cli.catalog.ExtensionsCommand;
import dev.extfarm.cli.cnpg.CnpgCommand;
import dev.extfarm.cli.config.CliEnvironment;
import dev.extfarm.cli.config.ConfigCommand;
import dev.extfarm.cli.exit.ExitCode;
import dev.extfarm.cli.exit.UsageException;
import dev.extfarm.cli.farm.DownCommand;
import dev.extfarm.cli.farm.UpCommand;
import dev.extfarm.cli.recipe.RecipeCommand;
import dev.extfarm.cli.sources.SourcesCommand;
import dev.extfarm.fetcher.http.ExitWithoutDelay;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code extfarm} command. Exit codes (docs/cli.md): 0 ok, 1 rejected input or failed
 * operation, 2 usage (unknown command or option, missing or impossible argument).
 */
@Command(name = "extfarm", mixinStandardHelpOptions = true, version = "extfarm 0.1.0",
        description = "Build farm and binary registry for PostgreSQL extension bundles.",
        subcommands = {UpCommand.class, DownCommand.class, BundleCommand.class, RecipeCommand.class, SourcesCommand.class,
                FetchCommand.class, BuildsCommand.class, BuildLogCommand.class, TokenCommand.class, TenantCommand.class,
                ConsistencyCommand.class, ExtensionsCommand.class, CnpgCommand.class, ConfigCommand.class,
                CompletionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Example:", "  extfarm up && extfarm builds --failed",
                "", "Exit codes: 0 ok; 1 rejected input or failed operation; 2 usage error. See docs/cli.md."})
public final class Main {

    public static final int OK = ExitCode.OK;
    public static final int REJECTED = ExitCode.REJECTED;
    public static final int USAGE = ExitCode.USAGE;

    public static void main(String[] args) {
        int rc = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        // a command that used a JDK HttpClient would otherwise exit 0.3 s late (see ExitWithoutDelay)
        ExitWithoutDelay.stopHttpSelectors();
        System.exit(rc);
    }

    /** Runs a command line with the given streams; used by tests too. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.getenv());
    }

    /** Runs a command line with the given streams and environment variables (EXTFARM_*, XDG_CONFIG_HOME). */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        Map<String, String> previous = CliEnvironment.set(env);
        try {
            return execute(args, out, err);
        } finally {
            CliEnvironment.set(previous);
        }
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // picocli's own `help` command carries no footer of ours.
        cli.getSubcommands().get("help").getCommandSpec().usageMessage()
                .footer("", "Example:", "  extfarm help recipe init");
        return cli;
    }

    private static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof BundleRejectedException r) {
                err.println("rejected: " + r.rule().id() + ": " + (r.entry() == null || r.entry().isEmpty() ? "-" : r.entry())
                        + ": " + r.detail());
                return REJECTED;
            }
            if (ex instanceof UsageException u) {
                err.println("error: " + u.getMessage());
                return USAGE;
            }
            err.println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return REJECTED;
        });
        return cli.execute(args);
    }
}
