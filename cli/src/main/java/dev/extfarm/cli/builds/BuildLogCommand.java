package dev.extfarm.cli.builds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "build", mixinStandardHelpOptions = true, description = "One build.", subcommands = BuildLogCommand.Log.class,
        footer = {"", "Example:", "  extfarm build log 42"})
public final class BuildLogCommand {

    @Command(name = "log", mixinStandardHelpOptions = true,
            description = "Print a build's log; with --follow, keep printing as the worker sends it (HTTP Range).",
            footer = {"", "Example:", "  extfarm build log 42 --follow"})
    static final class Log implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Parameters(paramLabel = "ID")
        long id;
        @Option(names = {"-f", "--follow"}, description = "follow the log until the build ends")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            ApiClient api = new ApiClient(registry);
            PrintWriter out = spec.commandLine().getOut();
            long offset = 0;
            while (true) {
                String chunk = api.getText("/api/v1/builds/" + id + "/log", offset == 0 ? null : "bytes=" + offset + "-");
                out.print(chunk);
                out.flush();
                offset += chunk.getBytes(StandardCharsets.UTF_8).length;
                if (!follow) {
                    return 0;
                }
                JsonNode b = api.get("/api/v1/builds/" + id);
                if (Set.of("succeeded", "failed", "cached", "cancelled", "farm-error").contains(b.path("status").asText())) {
                    String rest = api.getText("/api/v1/builds/" + id + "/log", "bytes=" + offset + "-");
                    out.print(rest);
                    out.println("-- build " + id + " " + b.path("status").asText());
                    return 0;
                }
                Thread.sleep(1000);
            }
        }
    }
}
