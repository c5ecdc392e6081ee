package dev.extfarm.cli.farm;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Builds the registry and worker applications when their jars are missing or older than the sources. */
final class Artifacts {

    private static final String[] MODULES = {"bundle", "recipe", "registry-server", "builder-worker", "web"};

    private Artifacts() {
    }

    static void ensureBuilt(Path home, PrintWriter out) throws IOException, InterruptedException {
        Path registry = home.resolve("registry-server/target/quarkus-app/quarkus-run.jar");
        Path worker = home.resolve("builder-worker/target/quarkus-app/quarkus-run.jar");
        if (Files.exists(registry) && Files.exists(worker) && !newerSources(home, Math.min(
                Files.getLastModifiedTime(registry).toMillis(), Files.getLastModifiedTime(worker).toMillis()))) {
            out.println("      up to date");
            return;
        }
        if (!Shell.run(home, out, "./mvnw", "-q", "-B", "-DskipTests", "-pl", "registry-server,builder-worker", "-am", "install")) {
            throw new IOException("the build failed; run ./mvnw -DskipTests install to see why");
        }
    }

    private static boolean newerSources(Path home, long than) throws IOException {
        for (String m : MODULES) {
            Path src = home.resolve(m).resolve("src/main");
            if (!Files.isDirectory(src)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(src)) {
                if (s.anyMatch(p -> {
                    try {
                        return Files.getLastModifiedTime(p).toMillis() > than;
                    } catch (IOException e) {
                        return true;
                    }
                })) {
                    return true;
                }
            }
        }
        return false;
    }
}
