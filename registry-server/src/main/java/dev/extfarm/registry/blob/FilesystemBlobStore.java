package dev.extfarm.registry.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs as files under a root directory, keys as relative paths. Writes go to
 * {@code _uploads/<uuid>.part}, are fsynced, and are published with a hard link (which fails
 * instead of replacing when the key exists), so a reader sees either nothing or the whole
 * verified file.
 */
public final class FilesystemBlobStore implements BlobStore {

    private final Path root;
    private final Path uploads;

    public FilesystemBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.uploads = this.root.resolve(BlobKey.UPLOADS);
        try {
            Files.createDirectories(uploads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob directory " + uploads
                    + "; make it writable or set extfarm.data-dir / extfarm.blob.root", e);
        }
    }

    public Path root() {
        return root;
    }

    private Path file(BlobKey key) {
        return root.resolve(key.path());
    }

    @Override
    public Optional<BlobInfo> stat(BlobKey key) throws IOException {
        try {
            Path f = file(key);
            return Optional.of(new BlobInfo(key, Files.size(f), Files.getLastModifiedTime(f).toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(BlobKey key, long offset) throws IOException {
        FileChannel ch = FileChannel.open(file(key), StandardOpenOption.READ);
        ch.position(offset);
        return Channels.newInputStream(ch);
    }

    @Override
    public Optional<Path> localFile(BlobKey key) {
        return Optional.of(file(key));
    }

    @Override
    public BlobWriter writer(BlobKey key) throws IOException {
        Path tmp = uploads.resolve(UUID.randomUUID() + ".part");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new BlobWriter(key) {
            @Override
            protected void writeTemporary(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }

            @Override
            protected boolean publish() throws IOException {
                ch.force(true);
                ch.close();
                Path target = file(key);
                Files.createDirectories(target.getParent());
                boolean created;
                try {
                    Files.createLink(target, tmp);
                    created = true;
                } catch (FileAlreadyExistsException e) {
                    created = false;
                } catch (UnsupportedOperationException | IOException e) {
                    created = moveIfAbsent(tmp, target);
                }
                Files.deleteIfExists(tmp);
                if (created) {
                    syncDirectory(target.getParent());
                }
                return created;
            }

            @Override
            protected void discard() throws IOException {
                ch.close();
                Files.deleteIfExists(tmp);
            }
        };
    }

    /** For file systems without hard links: a rename, which cannot be made no-replace portably. */
    private static boolean moveIfAbsent(Path tmp, Path target) throws IOException {
        if (Files.exists(target)) {
            return false;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // not every file system lets a directory be opened; the data itself is synced
        }
    }

    @Override
    public boolean delete(BlobKey key) throws IOException {
        return Files.deleteIfExists(file(key));
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        List<BlobInfo> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (!rel.startsWith(BlobKey.UPLOADS + "/") && rel.startsWith(prefix)) {
                    out.add(new BlobInfo(BlobKey.of(rel), Files.size(p), Files.getLastModifiedTime(p).toInstant()));
                }
            }
        }
        out.sort((a, b) -> a.key().path().compareTo(b.key().path()));
        return out;
    }

    @Override
    public int cleanTemporaries(Duration olderThan) throws IOException {
        Instant cutoff = Instant.now().minus(olderThan);
        int n = 0;
        try (Stream<Path> files = Files.list(uploads)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                FileTime t = Files.getLastModifiedTime(p);
                if (!t.toInstant().isAfter(cutoff) && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public String describe() {
        return "filesystem " + root;
    }
}
