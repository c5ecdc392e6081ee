package dev.extfarm.recipe.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Enumeration;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.X5455_ExtendedTimestamp;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/** Reads tar (plain, gzip, xz, bzip2) and zip archives as a sequence of {@link Item}s. */
abstract class ArchiveReader implements AutoCloseable {

    enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, OTHER }

    /**
     * One archive entry. {@code mtime} is in seconds since the epoch (UTC); {@code linkTarget} is
     * set for links; {@code description} names odd types (device, fifo) for messages.
     */
    record Item(String name, Kind kind, String linkTarget, boolean executable, long mtime, String description) {
    }

    /** The next entry, or empty at the end. */
    abstract Optional<Item> next() throws IOException;

    /** The content of the current entry (for files and zip symlinks). */
    abstract InputStream content() throws IOException;

    @Override
    public abstract void close() throws IOException;

    static ArchiveReader open(Path archive, ArchiveFormat format) throws IOException {
        if (format == ArchiveFormat.ZIP) {
            return new Zip(ZipFile.builder().setPath(archive).get());
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        try {
            InputStream decompressed = switch (format) {
                case TAR_GZIP -> new GzipCompressorInputStream(raw, true);
                case TAR_XZ -> new XZCompressorInputStream(raw, true);
                case TAR_BZIP2 -> new BZip2CompressorInputStream(raw, true);
                case TAR -> raw;
                case ZIP -> throw new IllegalStateException();
            };
            return new Tar(new TarArchiveInputStream(decompressed, StandardCharsets.UTF_8.name()));
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static final class Tar extends ArchiveReader {
        private final TarArchiveInputStream in;

        Tar(TarArchiveInputStream in) {
            this.in = in;
        }

        @Override
        Optional<Item> next() throws IOException {
            TarArchiveEntry e = in.getNextEntry();
            if (e == null) {
                return Optional.empty();
            }
            Kind kind;
            String description = "";
            if (e.isSymbolicLink()) {
                kind = Kind.SYMLINK;
            } else if (e.isLink()) {
                kind = Kind.HARDLINK;
            } else if (e.isDirectory()) {
                kind = Kind.DIRECTORY;
            } else if (e.getLinkFlag() == TarConstants.LF_NORMAL || e.getLinkFlag() == TarConstants.LF_OLDNORM
                    || e.getLinkFlag() == TarConstants.LF_CONTIG) {
                kind = Kind.FILE;
            } else {
                kind = Kind.OTHER;
                description = e.isCharacterDevice() ? "character device" : e.isBlockDevice() ? "block device"
                        : e.isFIFO() ? "fifo" : "entry of type '" + (char) e.getLinkFlag() + "'";
            }
            FileTime modified = e.getLastModifiedTime();
            return Optional.of(new Item(e.getName(), kind, e.getLinkName(), (e.getMode() & 0111) != 0,
                    modified == null ? 0 : modified.toInstant().getEpochSecond(), description));
        }

        @Override
        InputStream content() {
            return in;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Zip extends ArchiveReader {
        private final ZipFile zip;
        private final Enumeration<ZipArchiveEntry> entries;
        private ZipArchiveEntry current;

        Zip(ZipFile zip) {
            this.zip = zip;
            this.entries = zip.getEntriesInPhysicalOrder();
        }

        @Override
        Optional<Item> next() throws IOException {
            if (!entries.hasMoreElements()) {
                return Optional.empty();
            }
            current = entries.nextElement();
            Kind kind;
            String target = "";
            if (current.isUnixSymlink()) {
                kind = Kind.SYMLINK;
                target = zip.getUnixSymlink(current);
            } else if (current.isDirectory()) {
                kind = Kind.DIRECTORY;
            } else {
                int fileType = current.getUnixMode() & 0170000;
                kind = fileType == 0 || fileType == 0100000 ? Kind.FILE : Kind.OTHER;
            }
            boolean executable = current.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX && (current.getUnixMode() & 0111) != 0;
            return Optional.of(new Item(current.getName(), kind, target, executable, mtime(current),
                    kind == Kind.OTHER ? "special file" : ""));
        }

        /** The extended timestamp when present; plain DOS times are local times of unknown zone: read as UTC. */
        private static long mtime(ZipArchiveEntry e) {
            if (e.getExtraField(X5455_ExtendedTimestamp.HEADER_ID) instanceof X5455_ExtendedTimestamp x
                    && x.isBit0_modifyTimePresent() && x.getModifyJavaTime() != null) {
                return x.getModifyJavaTime().toInstant().getEpochSecond();
            }
            return LocalDateTime.ofInstant(Instant.ofEpochMilli(e.getTime()), ZoneId.systemDefault()).toEpochSecond(ZoneOffset.UTC);
        }

        @Override
        InputStream content() throws IOException {
            return zip.getInputStream(current);
        }

        @Override
        public void close() throws IOException {
            zip.close();
        }
    }
}
