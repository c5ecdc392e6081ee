package dev.extfarm.cli.farm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Where `extfarm up` keeps each part of a local farm. The registry and the worker get separate
 * directories, each also the process's working directory, so the worker (which runs other
 * people's builds) has none of the farm's secrets below its own directories:
 *
 * <pre>
 * DATA/                 0700  the CLI's: worker-token, maintainer-token (0600)
 * DATA/registry/        0700  the registry's data directory: pg/, blobs/, signing/farm.jwk (0600), admin-token (0600)
 * DATA/worker/          0700  the worker's work directory: one directory per job, nothing else
 * DATA/sources/               the worker's source cache (unless --source-cache)
 * DATA/logs/, DATA/run/ 0700  service logs (the registry's holds the admin token once), pid files
 * </pre>
 *
 * A data directory of the earlier layout (the registry's files directly in DATA/) is moved into
 * DATA/registry/ the next time `up` starts the registry.
 */
final class FarmLayout {

    /** The registry's entries that the earlier layout kept directly in DATA/. */
    static final List<String> REGISTRY_ENTRIES = List.of("pg", "blobs", "signing", "admin-token");

    private final Path data;

    FarmLayout(Path data) {
        this.data = data.toAbsolutePath().normalize();
    }

    Path data() {
        return data;
    }

    Path registry() {
        return data.resolve("registry");
    }

    Path worker() {
        return data.resolve("worker");
    }

    Path sources() {
        return data.resolve("sources");
    }

    Path logs() {
        return data.resolve("logs");
    }

    Path run() {
        return data.resolve("run");
    }

    Path adminToken() {
        return registry().resolve("admin-token");
    }

    Path signingKey() {
        return registry().resolve("signing/farm.jwk");
    }

    Path workerToken() {
        return data.resolve("worker-token");
    }

    Path maintainerToken() {
        return data.resolve("maintainer-token");
    }

    /** Every file of this layout that holds a secret. */
    List<Path> secrets() {
        return List.of(adminToken(), signingKey(), workerToken(), maintainerToken());
    }

    /**
     * Creates the directories (0700), moves an earlier layout's registry files into registry/
     * unless that registry is still running, and makes every secret file and log that exists 0600.
     * Returns what was moved.
     */
    List<String> prepare(boolean registryRunning) throws IOException {
        for (Path d : List.of(data, registry(), worker(), logs(), run())) {
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        }
        List<String> moved = new ArrayList<>();
        if (!registryRunning && REGISTRY_ENTRIES.stream().noneMatch(n -> Files.exists(registry().resolve(n), LinkOption.NOFOLLOW_LINKS))) {
            for (String n : REGISTRY_ENTRIES) {
                Path old = data.resolve(n);
                if (Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(old, registry().resolve(n), StandardCopyOption.ATOMIC_MOVE);
                    moved.add(n);
                }
            }
        }
        Path signing = registry().resolve("signing");
        if (Files.isDirectory(signing, LinkOption.NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(signing, PosixFilePermissions.fromString("rwx------"));
        }
        List<Path> ownerOnly = new ArrayList<>(secrets());
        try (var logs = Files.list(logs())) { // the registry's log holds the admin token it printed once
            logs.forEach(ownerOnly::add);
        }
        for (Path f : ownerOnly) {
            if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            }
        }
        return moved;
    }

    /** Writes a secret so that it is never readable by others, not even for a moment: 0600 from creation, renamed into place. */
    static void writeSecret(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
