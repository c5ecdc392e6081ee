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
 * Verified archives on disk, one file per sha-256: {@code <cache>/sources/<hex>}. Files only
 * appear there by an atomic rename of a verified temporary file, so a reader never sees a partial
 * or unverified archive, and several fetchers may share one cache.
 */
final class SourceCache {

    private final Path sources;
    private final Path tmp;

    SourceCache(Path cacheDir) {
        this.sources = cacheDir.resolve("sources");
        this.tmp = cacheDir.resolve("tmp");
    }

    /** The cached archive with this sha-256, re-verified; a corrupt entry is removed. */
    Optional<Path> lookup(String sha256) throws IOException {
        Path file = sources.resolve(sha256);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Sha256.of(file).equals(sha256)) {
            Files.deleteIfExists(file);
            return Optional.empty();
        }
        return Optional.of(file);
    }

    /** A fresh temporary file on the cache's file system. */
    Path newTempFile(String prefix) throws IOException {
        Files.createDirectories(tmp);
        return Files.createTempFile(tmp, prefix, ".part");
    }

    /** Moves a verified temporary file into place; an existing entry (same bytes) wins. */
    Path store(Path verifiedTemp, String sha256) throws IOException {
        Files.createDirectories(sources);
        Path target = sources.resolve(sha256);
        try {
            Files.move(verifiedTemp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(verifiedTemp);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the cache directory " + sources + " does not support atomic renames", e);
        }
        return target;
    }

    Path tmpDir() {
        return tmp;
    }
}
