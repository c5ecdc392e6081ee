package dev.extfarm.cli.api;

import java.net.URI;
import picocli.CommandLine.Option;

/** --registry / --token, defaulting to EXTFARM_REGISTRY / EXTFARM_TOKEN, then the quickstart's. */
public final class RegistryOptions {

    @Option(names = "--registry", paramLabel = "URL",
            description = "registry URL (default: $EXTFARM_REGISTRY, else http://127.0.0.1:7780)")
    String registry;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "API token (default: $EXTFARM_TOKEN, else ./data/admin-token of a local quickstart)")
    String token;

    public URI registry() {
        String r = registry != null ? registry : System.getenv("EXTFARM_REGISTRY");
        return URI.create(r != null && !r.isBlank() ? r : "http://127.0.0.1:7780");
    }

    public String token() {
        if (token != null) {
            return token;
        }
        String env = System.getenv("EXTFARM_TOKEN");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        return LocalFarm.adminToken().orElse(null);
    }
}
