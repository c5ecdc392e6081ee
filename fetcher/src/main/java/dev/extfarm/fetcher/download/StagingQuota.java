package dev.extfarm.fetcher.download;

import dev.extfarm.fetcher.report.FetchException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upper bound on the bytes in the staging and partial-download directories ({@code
 * --staging-quota}), enforced like a full disk: a download that would pass it fails with
 * "no space", cleans up, and a later attempt succeeds once space is freed. Usage is what is on
 * disk when a download starts plus what downloads in flight have written since (each byte
 * counted twice: once in the partial file, once unpacked). 0 = no quota (the disk's own limit).
 */
public final class StagingQuota {

    private final long limit;
    private final List<Path> dirs;
    private final AtomicLong inFlight = new AtomicLong();

    public StagingQuota(long limit, List<Path> dirs) {
        this.limit = limit;
        this.dirs = List.copyOf(dirs);
    }

    public long limit() {
        return limit;
    }

    /** A meter for one download; call {@link Meter#add} for each chunk, {@link Meter#close} at the end. */
    public Meter start(String label) throws FetchException {
        long base = limit > 0 ? usage() : 0;
        return new Meter(label, base);
    }

    private long usage() {
        long total = 0;
        for (Path d : dirs) {
            total += size(d);
        }
        return total;
    }

    static long size(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        AtomicLong n = new AtomicLong();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    n.addAndGet(attrs.size());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // removed while walking
        } catch (IOException ignored) {
            // an unreadable entry counts as empty
        }
        return n.get();
    }

    public final class Meter implements AutoCloseable {
        private final String label;
        private final long base;
        private long mine;

        private Meter(String label, long base) {
            this.label = label;
            this.base = base;
        }

        public void add(long bytes) throws IOException {
            if (limit <= 0) {
                return;
            }
            long twice = 2 * bytes;
            mine += twice;
            long others = inFlight.addAndGet(twice) - mine;
            if (base + others + mine > limit) {
                throw new NoSpaceException("staging is full: " + label + " needs more room than the staging quota of "
                        + limit + " bytes allows (" + (base + others) + " bytes in use in " + dirs
                        + "); free space there or raise --staging-quota; nothing was installed");
            }
        }

        @Override
        public void close() {
            inFlight.addAndGet(-mine);
        }
    }

    /** Out of space: the quota, or the disk itself (ENOSPC). */
    public static final class NoSpaceException extends IOException {
        public NoSpaceException(String message) {
            super(message);
        }
    }
}
