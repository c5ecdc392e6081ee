package dev.extfarm.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import dev.extfarm.cli.output.OutputOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Create and list API tokens (admin).",
        footer = {"", "Example:", "  extfarm token create --role maintainer --label alice && extfarm token list"},
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class})
public final class TokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token; it is printed once and stored hashed by the registry.",
            footer = {"", "Examples:", "  extfarm token create --role worker --label build-01",
                    "  extfarm token create --role compute --tenant acme --label acme-compute"})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Mixin
        OutputOption output;
        @Option(names = "--role", required = true, description = "admin, maintainer, worker or compute")
        String role;
        @Option(names = "--label", required = true, description = "what the token is for, e.g. build-01")
        String label;
        @Option(names = "--tenant", description = "the tenant of a compute token (or of a tenant-scoped maintainer)")
        String tenant;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("role", role);
            body.put("label", label);
            if (tenant != null) {
                body.put("tenant", tenant);
            }
            JsonNode r = new ApiClient(registry).post("/api/v1/admin/tokens", body);
            if (output.json()) {
                spec.commandLine().getOut().println(r.toPrettyString());
            } else {
                spec.commandLine().getOut().println(r.path("token").asText());
                spec.commandLine().getErr().println("token #" + r.path("id").asText() + " (" + role + ", " + label
                        + "): shown once, store it now");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).",
            footer = {"", "Examples:", "  extfarm token list", "  extfarm token list --output json | jq '.[] | select(.role == \"WORKER\")'"})
    static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            JsonNode r = new ApiClient(registry).get("/api/v1/admin/tokens");
            if (output.json()) {
                spec.commandLine().getOut().println(r.toPrettyString());
                return 0;
            }
            for (JsonNode t : r) {
                spec.commandLine().getOut().printf("%-5s %-11s %-20s %s%n", t.path("id").asText(), t.path("role").asText().toLowerCase(),
                        t.path("tenant").asText(""), t.path("label").asText());
            }
            return 0;
        }
    }
}
