package dev.extfarm.fetcher.install;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Durable small-file writes and renames: temp file in the same directory, fsync, rename, fsync the directory. */
public final class AtomicFiles {

    /** Whether to fsync (on by default; {@code -Dextfarm.fetcher.fsync=false} for throwaway test machines). */
    static final boolean FSYNC = !"false".equals(System.getProperty("extfarm.fetcher.fsync"));

    private AtomicFiles() {
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                out.write(bytes);
                out.flush();
                if (FSYNC) {
                    ch.force(true);
                }
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void fsync(Path file) throws IOException {
        if (FSYNC) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    /**
     * Syncs many files at once (fdatasync each, on a few threads): the filesystem journal commits
     * them together instead of once per file.
     */
    public static void fsyncAll(Collection<Path> files) throws IOException {
        if (!FSYNC || files.isEmpty()) {
            return;
        }
        try {
            SYNC_POOL.invokeAll(files.stream().map(f -> (Callable<Void>) () -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.force(false);
                }
                return null;
            }).toList()).forEach(fut -> {
                try {
                    fut.get();
                } catch (ExecutionException e) {
                    throw new UncheckedIOException(e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while syncing");
        }
    }

    private static final ExecutorService SYNC_POOL = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "fetch-fsync");
        t.setDaemon(true);
        return t;
    });

    public static void syncDir(Path dir) throws IOException {
        if (FSYNC) {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException e) {
                // some filesystems refuse fsync on a directory; the rename itself is still atomic
            }
        }
    }

    public static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
