package dev.extfarm.bundle;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Recursive deletion, the one place every module removes a directory tree: staging directories,
 * build trees a container wrote, fetcher installs, temporary data of the command line and tests.
 * A tree may hold anything a build planted, so no symbolic link is ever followed (a link is
 * removed, never its target), and a directory the build made read-only (Go's module cache, a
 * {@code chmod -R a-w}) is made writable by its owner first, as {@code rm -rf} would need root for.
 */
public final class FileTrees {

    private FileTrees() {
    }

    /** Deletes {@code root} and everything under it; an absent path is fine; a link is deleted, not followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(root);
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                makeOwnerWritable(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // removed meanwhile by someone else: the goal is reached
                }
                if (exc instanceof AccessDeniedException && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    // an unreadable directory (mode 0000 or 0300): readable by its owner, then walked
                    makeOwnerWritable(file);
                    deleteRecursively(file);
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Adds the owner's read, write and search permission to a directory; no-op where that is not ours to change. */
    private static void makeOwnerWritable(Path dir) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> owner = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE);
            if (!perms.containsAll(owner)) {
                perms.addAll(owner);
                Files.setPosixFilePermissions(dir, perms);
            }
        } catch (IOException | UnsupportedOperationException notOurs) {
            // another user's directory, or no POSIX permissions: the delete below says what failed
        }
    }
}
