package dev.extfarm.fetcher.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Many small files written durably at once, with {@link AtomicFiles#write}'s guarantee for each
 * (a reader sees the old bytes or the new, never part; once this returns, the new survive a crash):
 * every temp file is written, then all are synced together ({@link AtomicFiles#fsyncAll}), renamed,
 * and each directory synced once. Phase 1 lists 30 bundles' control files this way: one file at a
 * time it was four syncs per file, one after the other.
 */
final class DurableBatch {

    private DurableBatch() {
    }

    static void writeAll(Map<Path, byte[]> files) throws IOException {
        writeAll(files, true);
    }

    /**
     * With {@code sync} false the files are renamed into place unsynced (atomic against a killed
     * process, not against power loss): for writes another record makes recoverable ({@link PendingListings}).
     */
    static void writeAll(Map<Path, byte[]> files, boolean sync) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        String id = UUID.randomUUID().toString().substring(0, 8);
        Map<Path, Path> temps = new LinkedHashMap<>();
        Set<Path> dirs = new LinkedHashSet<>();
        try {
            for (var f : files.entrySet()) {
                Path dir = f.getKey().toAbsolutePath().getParent();
                Files.createDirectories(dir);
                dirs.add(dir);
                Path tmp = dir.resolve("." + f.getKey().getFileName() + ".tmp-" + id);
                temps.put(tmp, f.getKey());
                Files.write(tmp, f.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            if (sync) {
                AtomicFiles.fsyncAll(new ArrayList<>(temps.keySet()));
            }
            for (var t : temps.entrySet()) {
                Files.move(t.getKey(), t.getValue(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            if (sync) {
                for (Path d : dirs) {
                    AtomicFiles.syncDir(d);
                }
            }
        } finally {
            for (Path tmp : List.copyOf(temps.keySet())) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
