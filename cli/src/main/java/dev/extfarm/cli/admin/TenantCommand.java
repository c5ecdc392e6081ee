package dev.extfarm.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import dev.extfarm.cli.output.OutputOption;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Manage tenants, their private extensions and pins (admin).",
        footer = {"", "Example:", "  extfarm tenant create acme && extfarm tenant grant acme acme_secret_ext && extfarm tenant show acme"},
        subcommands = {TenantCommand.Create.class, TenantCommand.Grant.class, TenantCommand.Pin.class, TenantCommand.Show.class,
                TenantCommand.ListTenants.class})
public final class TenantCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant.",
            footer = {"", "Example:", "  extfarm tenant create acme"})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(new ApiClient(registry).post("/api/v1/admin/tenants", Map.of("name", name)).toPrettyString());
            return 0;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true, description = "Let a tenant use a private extension.",
            footer = {"", "Example:", "  extfarm tenant grant acme acme_secret_ext"})
    static final class Grant implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Parameters(index = "0", paramLabel = "TENANT")
        String tenant;
        @Parameters(index = "1", paramLabel = "EXTENSION")
        String extension;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(new ApiClient(registry)
                    .put("/api/v1/admin/tenants/" + tenant + "/grants/" + extension, null).toPrettyString());
            return 0;
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pin a tenant to one version of an extension.",
            footer = {"", "Example:", "  extfarm tenant pin acme vector --version 0.8.0"})
    static final class Pin implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Parameters(index = "0", paramLabel = "TENANT")
        String tenant;
        @Parameters(index = "1", paramLabel = "EXTENSION")
        String extension;
        @Option(names = "--version", required = true)
        String version;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(new ApiClient(registry)
                    .put("/api/v1/admin/tenants/" + tenant + "/pins/" + extension, Map.of("version", version)).toPrettyString());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a tenant's grants and pins.",
            footer = {"", "Examples:", "  extfarm tenant show acme", "  extfarm tenant show acme --output json"})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Mixin
        OutputOption output;
        @Parameters(paramLabel = "TENANT")
        String tenant;

        @Override
        public Integer call() throws Exception {
            JsonNode t = new ApiClient(registry).get("/api/v1/admin/tenants/" + tenant);
            if (output.json()) {
                spec.commandLine().getOut().println(t.toPrettyString());
            } else {
                print(spec.commandLine().getOut(), t);
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tenants with their grants and pins.",
            footer = {"", "Example:", "  extfarm tenant list --output json"})
    static final class ListTenants implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            JsonNode all = new ApiClient(registry).get("/api/v1/admin/tenants");
            if (output.json()) {
                spec.commandLine().getOut().println(all.toPrettyString());
            } else {
                all.forEach(t -> print(spec.commandLine().getOut(), t));
            }
            return 0;
        }
    }

    /** {@code acme  grants: a, b  pins: vector=0.8.0} */
    static void print(PrintWriter out, JsonNode t) {
        List<String> grants = new ArrayList<>();
        t.path("grants").forEach(g -> grants.add(g.asText()));
        List<String> pins = new ArrayList<>();
        t.path("pins").fields().forEachRemaining(e -> pins.add(e.getKey() + "=" + e.getValue().asText()));
        out.printf("%-20s grants: %-30s pins: %s%n", t.path("name").asText(), grants.isEmpty() ? "-" : String.join(", ", grants),
                pins.isEmpty() ? "-" : String.join(", ", pins));
    }
}
