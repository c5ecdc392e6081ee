package dev.extfarm.cli.api;

import dev.extfarm.cli.config.CliEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where `extfarm up` keeps its state: $EXTFARM_DATA_DIR, else ./data under the checkout. */
public final class LocalFarm {

    private LocalFarm() {
    }

    public static Path home() {
        return Path.of(CliEnvironment.get("EXTFARM_HOME").orElse(".")).toAbsolutePath().normalize();
    }

    public static Path dataDir() {
        return CliEnvironment.get("EXTFARM_DATA_DIR").map(d -> Path.of(d).toAbsolutePath()).orElse(home().resolve("data"));
    }

    public static Optional<String> adminToken() {
        return adminToken(dataDir());
    }

    public static Optional<String> adminToken(Path dataDir) {
        Path f = dataDir.resolve("admin-token");
        try {
            return Files.isReadable(f) ? Optional.of(Files.readString(f).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
