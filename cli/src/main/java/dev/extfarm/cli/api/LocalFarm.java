package dev.extfarm.cli.api;

import dev.extfarm.cli.config.CliEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where `extfarm up` keeps its state: $EXTFARM_DATA_DIR, else ./data under the checkout (layout: cli's FarmLayout). */
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

    /**
     * The admin token the registry wrote at its first start: in {@code registry/} of a data
     * directory `extfarm up` laid out, else directly in it (a registry started by hand with
     * EXTFARM_DATA_DIR, or the layout before `up` gave the registry its own directory).
     */
    public static Optional<String> adminToken(Path dataDir) {
        for (Path f : new Path[]{dataDir.resolve("registry").resolve("admin-token"), dataDir.resolve("admin-token")}) {
            try {
                if (Files.isReadable(f)) {
                    return Optional.of(Files.readString(f).strip());
                }
            } catch (IOException e) {
                // try the next place
            }
        }
        return Optional.empty();
    }
}
