package dev.extfarm.fetcher.download;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * Flushes the files the hardened reader is unpacking into its staging directory to disk while
 * the download is still running, so that the installer's {@code fdatasync} of every file (which
 * makes an install survive a power loss) finds them already written instead of flushing the whole
 * bundle after the last byte arrived. A pure optimization: it never decides anything, every error
 * is ignored, and the installer still syncs each file itself.
 *
 * <p>The reader stages into {@code .<dest name>.staging-<uuid>} beside {@code dest} (a directory
 * it creates and removes itself); this thread looks there every {@link #PERIOD_MS} ms and syncs
 * the regular files that grew by {@link #MIN_GROWTH} since it last synced them (links are never
 * followed). Small bundles are left alone: syncing them early saves nothing and costs a journal
 * commit each.
 */
final class WriteBehind implements AutoCloseable {

    static final long PERIOD_MS = 250;
    /** Only files that grew by this much since their last sync: small files are left to the installer's sync. */
    static final long MIN_GROWTH = 8L << 20;

    private final Path parent;
    private final String prefix;
    private final Map<Path, Long> synced = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    private WriteBehind(Path dest) {
        Path abs = dest.toAbsolutePath().normalize();
        this.parent = abs.getParent();
        this.prefix = "." + abs.getFileName() + ".staging-";
        thread = new Thread(this::run, "fetch-write-behind " + abs.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Null when installs are not synced at all ({@code -Dextfarm.fetcher.fsync=false} turns both
     * off); try-with-resources skips a null resource.
     */
    static WriteBehind start(Path dest) {
        return "false".equals(System.getProperty("extfarm.fetcher.fsync")) ? null : new WriteBehind(dest);
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
                syncOnce();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException ignored) {
                // staging vanished (the reader refused the bundle) or is not ours to read: nothing to help with
            }
        }
    }

    private void syncOnce() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, prefix + "*")) {
            for (Path staging : dirs) {
                if (!Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Files.walkFileTree(staging, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (closed) {
                            return FileVisitResult.TERMINATE;
                        }
                        if (attrs.isRegularFile() && attrs.size() - synced.getOrDefault(file, 0L) >= MIN_GROWTH) {
                            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                                ch.force(false);
                                synced.put(file, attrs.size());
                            } catch (IOException ignored) {
                                // renamed or removed meanwhile
                            }
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
