package dev.extfarm.cli;

import dev.extfarm.testsupport.PackagedRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** The packaged registry for CLI tests: {@link PackagedRegistry} (embedded PostgreSQL, temp data dir) with the fields they use. */
public final class RegistryProcess implements AutoCloseable {

    public final URI base;
    public final String adminToken;
    public final Path data;
    private final PackagedRegistry registry;

    private RegistryProcess(PackagedRegistry registry) {
        this.registry = registry;
        this.base = registry.base();
        this.adminToken = registry.adminToken();
        this.data = registry.dataDir();
    }

    public static RegistryProcess start() throws Exception {
        return start(Map.of());
    }

    /** With these registry settings (environment variables such as EXTFARM_OCI_BACKFILL_EVERY) on top. */
    public static RegistryProcess start(Map<String, String> env) throws Exception {
        return new RegistryProcess(PackagedRegistry.builder().env(env).start());
    }

    @Override
    public void close() throws Exception {
        registry.close();
    }
}
