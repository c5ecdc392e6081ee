package dev.extfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help shows an example; the top-level help documents the exit codes. */
class HelpTest {

    static List<CommandLine> all(CommandLine c) {
        List<CommandLine> out = new ArrayList<>();
        out.add(c);
        c.getSubcommands().values().stream().distinct().forEach(sub -> out.addAll(all(sub)));
        return out;
    }

    static String path(CommandLine c) {
        return c.getParent() == null ? c.getCommandName() : path(c.getParent()) + " " + c.getCommandName();
    }

    @Test
    void everyCommandsUsageHasAnExample() {
        List<CommandLine> commands = all(Main.commandLine());
        assertThat(commands).hasSizeGreaterThan(30);
        List<String> without = commands.stream().filter(c -> !c.getUsageMessage().contains("Example")).map(HelpTest::path).toList();
        assertThat(without).as("commands whose --help has no example").isEmpty();
    }

    @Test
    void helpOfASubcommandIsPrintedByTheRealCommandLine() {
        CliRun.Result r = CliRun.run("recipe", "init", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: extfarm recipe init").contains("--from-pgxn").contains("Example");
    }

    @Test
    void exitCodesAreDocumentedAndUsageErrorsExitWith2() {
        assertThat(CliRun.run("--help").out()).contains("Exit codes: 0 ok; 1 rejected input or failed operation; 2 usage error");
        CliRun.Result unknown = CliRun.run("recipe", "frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unmatched argument").contains("frobnicate");
        assertThat(CliRun.run("builds", "--no-such-option").code()).isEqualTo(2);
    }
}
