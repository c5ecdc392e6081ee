package dev.extfarm.cli.builds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.output.OutputOption;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "builds", mixinStandardHelpOptions = true,
        description = "List build reports, newest first: status, step and cause of failures, durations.",
        footer = {"", "Examples:", "  extfarm builds --extension vector", "  extfarm builds --failed --output json",
                "  extfarm builds --watch"})
public final class BuildsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    RegistryOptions registry;
    @Mixin
    OutputOption output;

    @Option(names = "--extension", description = "only this extension")
    String extension;

    @Option(names = "--pg", description = "only this PostgreSQL major")
    Integer pg;

    @Option(names = "--failed", description = "only failed builds")
    boolean failed;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--watch", description = "refresh every 2 s until interrupted")
    boolean watch;

    @Override
    public Integer call() throws Exception {
        ApiClient api = new ApiClient(registry);
        StringBuilder q = new StringBuilder("/api/v1/builds?size=").append(Math.min(200, Math.max(1, limit)));
        if (extension != null) {
            q.append("&extension=").append(URLEncoder.encode(extension, StandardCharsets.UTF_8));
        }
        if (pg != null) {
            q.append("&pg=").append(pg);
        }
        if (failed) {
            q.append("&status=failed");
        }
        PrintWriter out = spec.commandLine().getOut();
        do {
            JsonNode page = api.get(q.toString());
            if (output.json()) {
                out.println(page.toPrettyString());
            } else {
                if (watch) {
                    out.print("\033[H\033[2J");
                }
                out.printf("%-6s %-14s %-14s %-5s %-10s %-9s %s%n", "ID", "EXTENSION", "VERSION", "PG", "STATUS", "SECONDS", "CAUSE");
                for (JsonNode b : page.path("items")) {
                    JsonNode f = b.path("failure");
                    String cause = f.isObject() ? f.path("step").asText() + ": " + f.path("cause").asText()
                            + " (" + f.path("responsibility").asText() + ")" : "";
                    long ms = b.path("duration_millis").asLong(0);
                    out.printf("%-6s %-14s %-14s %-5s %-10s %-9s %s%n", b.path("id").asText(), b.path("extension").asText(),
                            b.path("version").asText(), b.path("pg_major").asText(), b.path("status").asText(),
                            ms > 0 ? String.format("%.1f", ms / 1000.0) : "", cause);
                }
            }
            out.flush();
            if (watch) {
                Thread.sleep(2000);
            }
        } while (watch);
        return 0;
    }
}
