package dev.extfarm.recipe.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

/** Builds archives byte by byte, hostile ones included, for unpacker and fetcher tests. */
final class TestArchive {

    enum Type { FILE, DIR, SYMLINK, HARDLINK, CHAR_DEVICE }

    record Entry(Type type, String name, String content, int mode, String link, long mtime) {
    }

    static final long MTIME = 1_600_000_000L;

    private final List<Entry> entries = new ArrayList<>();

    TestArchive file(String name, String content) {
        return file(name, content, 0644);
    }

    TestArchive file(String name, String content, int mode) {
        return file(name, content, mode, MTIME);
    }

    TestArchive file(String name, String content, int mode, long mtime) {
        entries.add(new Entry(Type.FILE, name, content, mode, null, mtime));
        return this;
    }

    TestArchive dir(String name) {
        entries.add(new Entry(Type.DIR, name.endsWith("/") ? name : name + "/", null, 0755, null, MTIME));
        return this;
    }

    TestArchive symlink(String name, String target) {
        entries.add(new Entry(Type.SYMLINK, name, null, 0777, target, MTIME));
        return this;
    }

    TestArchive hardlink(String name, String target) {
        entries.add(new Entry(Type.HARDLINK, name, null, 0644, target, MTIME));
        return this;
    }

    TestArchive charDevice(String name) {
        entries.add(new Entry(Type.CHAR_DEVICE, name, null, 0644, null, MTIME));
        return this;
    }

    byte[] tarGz() {
        return tar(out -> new GzipCompressorOutputStream(out));
    }

    byte[] tarXz() {
        return tar(out -> new XZCompressorOutputStream(out));
    }

    byte[] tarBz2() {
        return tar(out -> new BZip2CompressorOutputStream(out));
    }

    byte[] tar() {
        return tar(out -> out);
    }

    private interface Compressor {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private byte[] tar(Compressor compressor) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream compressed = compressor.wrap(bytes);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry t = switch (e.type()) {
                    case FILE, DIR -> new TarArchiveEntry(e.name(), true);
                    case SYMLINK -> new TarArchiveEntry(e.name(), TarConstants.LF_SYMLINK, true);
                    case HARDLINK -> new TarArchiveEntry(e.name(), TarConstants.LF_LINK, true);
                    case CHAR_DEVICE -> new TarArchiveEntry(e.name(), TarConstants.LF_CHR, true);
                };
                if (e.link() != null) {
                    t.setLinkName(e.link());
                }
                t.setMode((e.type() == Type.DIR ? 040000 : e.type() == Type.SYMLINK ? 0120000 : 0100000) | e.mode());
                t.setModTime(FileTime.from(Instant.ofEpochSecond(e.mtime())));
                byte[] content = e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.UTF_8);
                t.setSize(e.type() == Type.FILE ? content.length : 0);
                tar.putArchiveEntry(t);
                if (e.type() == Type.FILE) {
                    tar.write(content);
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    byte[] zip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (Entry e : entries) {
                ZipArchiveEntry z = new ZipArchiveEntry(e.name());
                z.setTime(FileTime.from(Instant.ofEpochSecond(e.mtime())));
                String content = switch (e.type()) {
                    case FILE -> e.content();
                    case SYMLINK -> e.link();
                    default -> "";
                };
                z.setUnixMode((e.type() == Type.DIR ? 040000 : e.type() == Type.SYMLINK ? 0120000 : 0100000) | e.mode());
                zip.putArchiveEntry(z);
                zip.write(content.getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
