package dev.extfarm.cli.admin;

import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Manage tenants, their private extensions and pins (admin).",
        subcommands = {TenantCommand.Create.class, TenantCommand.Grant.class, TenantCommand.Pin.class, TenantCommand.Show.class})
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

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a tenant's grants and pins.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RegistryOptions registry;
        @Parameters(paramLabel = "TENANT")
        String tenant;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(new ApiClient(registry).get("/api/v1/admin/tenants/" + tenant).toPrettyString());
            return 0;
        }
    }
}
