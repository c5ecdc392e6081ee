package dev.extfarm.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

/**
 * A fresh directory beside the destination that receives the entries. Nothing is ever written
 * outside it: every path is checked to stay below it, parents are created without following
 * links, and files are opened with CREATE_NEW and NOFOLLOW_LINKS. It is made at the first write, so
 * a bundle refused before (for its count or sizes, by its manifest) leaves not even an empty
 * directory. {@link #commit} renames it into place; {@link #close} without commit removes it.
 */
final class StagingSink implements EntrySink, AutoCloseable {

    private final Path root;
    private boolean created;
    private boolean committed;

    private StagingSink(Path root) {
        this.root = root;
    }

    static StagingSink beside(Path destination) throws IOException {
        Path abs = destination.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        return new StagingSink(parent.resolve("." + abs.getFileName() + ".staging-" + UUID.randomUUID()));
    }

    private void create() throws IOException {
        if (!created) {
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            created = true;
        }
    }

    @Override
    public void directory(String path) throws IOException {
        create();
        Path dir = inside(path);
        mkdirs(dir);
    }

    @Override
    public OutputStream file(String path, boolean executable) throws IOException {
        create();
        Path file = inside(path);
        mkdirs(file.getParent());
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        return out;
    }

    @Override
    public void symlink(String path, String target) throws IOException {
        create();
        Path link = inside(path);
        mkdirs(link.getParent());
        Files.createSymbolicLink(link, Path.of(target));
    }

    private Path inside(String path) throws IOException {
        Path p = root.resolve(path).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new IOException("refusing to write outside staging: " + path);
        }
        return p;
    }

    private void mkdirs(Path dir) throws IOException {
        if (dir.equals(root)) {
            return;
        }
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing to write through a symbolic link: " + root.relativize(dir));
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            mkdirs(dir.getParent());
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    void commit(Path destination) throws IOException {
        create();
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            Files.move(root, destination, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename staging into " + destination + " atomically", e);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (created && !committed) {
            FileTrees.deleteRecursively(root);
        }
    }
}
