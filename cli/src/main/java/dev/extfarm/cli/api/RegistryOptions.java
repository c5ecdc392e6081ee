package dev.extfarm.cli.api;

import dev.extfarm.cli.config.CliEnvironment;
import dev.extfarm.cli.config.ConfigFile;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * --registry / --token / --profile. Each value comes from, in this order: the flag, the environment
 * (EXTFARM_REGISTRY, EXTFARM_TOKEN, EXTFARM_PROFILE), the config file (docs/cli.md), then the
 * local quickstart's defaults (http://127.0.0.1:7780 and ./data/registry/admin-token).
 */
public final class RegistryOptions {

    public static final String DEFAULT_REGISTRY = "http://127.0.0.1:7780";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--registry", paramLabel = "URL",
            description = "registry URL (default: $EXTFARM_REGISTRY, else the config file, else " + DEFAULT_REGISTRY + ")")
    String registry;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "API token (default: $EXTFARM_TOKEN, else the config file, else ./data/registry/admin-token of a local quickstart)")
    String token;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "config file profile to read registry and token from (default: $EXTFARM_PROFILE, else the top-level keys)")
    String profile;

    private ConfigFile config;

    public URI registry() {
        String r = registry != null ? registry : CliEnvironment.get("EXTFARM_REGISTRY")
                .or(() -> fromConfig("registry")).orElse(DEFAULT_REGISTRY);
        return URI.create(r);
    }

    public String token() {
        if (token != null) {
            return token;
        }
        return CliEnvironment.get("EXTFARM_TOKEN").or(() -> fromConfig("token")).or(LocalFarm::adminToken).orElse(null);
    }

    private Optional<String> fromConfig(String key) {
        if (config == null) {
            config = ConfigFile.load();
            config.warning().ifPresent(w -> {
                if (mixee != null) {
                    mixee.commandLine().getErr().println(w);
                }
            });
        }
        String p = profile != null ? profile : CliEnvironment.get("EXTFARM_PROFILE").orElse(null);
        return config.get(p, key);
    }
}
