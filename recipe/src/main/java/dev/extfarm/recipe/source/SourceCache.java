package dev.extfarm.recipe.source;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Verified archives on disk, one file per sha-256: {@code <cache>/sha256/<hex>}, the layout of a
 * source mirror ({@link SourceMirrors}), so that a cache directory can be carried to another farm
 * and used there as a mirror. Files only appear there by an atomic rename of a verified temporary
 * file, so a reader never sees a partial or unverified archive, and several fetchers may share one
 * cache. Archives cached by earlier versions under {@code <cache>/sources/<hex>} are still found.
 */
final class SourceCache {

    private final Path archives;
    private final Path legacy;
    private final Path tmp;

    SourceCache(Path cacheDir) {
        this.archives = cacheDir.resolve("sha256");
        this.legacy = cacheDir.resolve("sources");
        this.tmp = cacheDir.resolve("tmp");
    }

    /** The cached archive with this sha-256, re-verified; a corrupt entry is removed. */
    Optional<Path> lookup(String sha256) throws IOException {
        for (Path dir : new Path[]{archives, legacy}) {
            Path file = dir.resolve(sha256);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (!Sha256.of(file).equals(sha256)) {
                Files.deleteIfExists(file);
                continue;
            }
            return Optional.of(file);
        }
        return Optional.empty();
    }

    /** A fresh temporary file on the cache's file system. */
    Path newTempFile(String prefix) throws IOException {
        Files.createDirectories(tmp);
        return Files.createTempFile(tmp, prefix, ".part");
    }

    /** Moves a verified temporary file into place; an existing entry (same bytes) wins. */
    Path store(Path verifiedTemp, String sha256) throws IOException {
        Files.createDirectories(archives);
        Path target = archives.resolve(sha256);
        try {
            Files.move(verifiedTemp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(verifiedTemp);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the cache directory " + archives + " does not support atomic renames", e);
        }
        return target;
    }

    Path tmpDir() {
        return tmp;
    }
}
