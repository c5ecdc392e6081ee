package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** This machine's platform id from /etc/os-release and os.arch, e.g. debian-12-amd64-glibc. */
final class HostPlatform {

    private HostPlatform() {
    }

    static Platform detect() {
        Map<String, String> release = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    release.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
                }
            }
        } catch (IOException e) {
            // not Linux or no os-release: fall through to "unknown"
        }
        String id = release.getOrDefault("ID", "unknown").toLowerCase();
        String version = release.getOrDefault("VERSION_ID", release.getOrDefault("VERSION_CODENAME", "sid"));
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> System.getProperty("os.arch").toLowerCase();
        };
        String libc = Files.exists(Path.of("/lib/ld-musl-x86_64.so.1")) || Files.exists(Path.of("/lib/ld-musl-aarch64.so.1")) ? "musl" : "glibc";
        return new Platform("linux", id + "-" + version.toLowerCase(), arch, libc);
    }
}
