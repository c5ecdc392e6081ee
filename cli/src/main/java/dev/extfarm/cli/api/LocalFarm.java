package dev.extfarm.cli.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where `extfarm up` keeps its state: $EXTFARM_DATA_DIR, else ./data under the checkout. */
public final class LocalFarm {

    private LocalFarm() {
    }

    public static Path home() {
        String h = System.getenv("EXTFARM_HOME");
        return Path.of(h != null && !h.isBlank() ? h : ".").toAbsolutePath().normalize();
    }

    public static Path dataDir() {
        String d = System.getenv("EXTFARM_DATA_DIR");
        return d != null && !d.isBlank() ? Path.of(d).toAbsolutePath() : home().resolve("data");
    }

    public static Optional<String> adminToken() {
        Path f = dataDir().resolve("admin-token");
        try {
            return Files.isReadable(f) ? Optional.of(Files.readString(f).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
