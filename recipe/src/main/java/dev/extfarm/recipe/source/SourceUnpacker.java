package dev.extfarm.recipe.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Extracts a source archive ({@code .tar.gz}, {@code .tar.xz}, {@code .tar.bz2}, {@code .tar},
 * {@code .zip}; recognised by content) into a directory, refusing anything that could write
 * outside it: absolute names, {@code ..} parts, symbolic links resolving outside the tree, hard
 * links to anything but a regular file extracted before, devices and fifos. Files get mode 0755
 * when the archive marks them executable and 0644 otherwise (no setuid, setgid or sticky bits);
 * modification times are kept, so that make sees the upstream's timestamps. On failure the
 * directory is emptied again.
 */
public final class SourceUnpacker {

    /** Limits against archive bombs. */
    public record Limits(long maxEntries, long maxTotalBytes) {
        public static final Limits DEFAULT = new Limits(200_000, 4L << 30);
    }

    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-r--r--");

    private final Limits limits;

    public SourceUnpacker() {
        this(Limits.DEFAULT);
    }

    public SourceUnpacker(Limits limits) {
        this.limits = limits;
    }

    /**
     * @param targetDir created if missing; must be empty
     * @param subdir the directory inside the archive to build in (the recipe's {@code source.subdir})
     * @throws SourceException {@code unsafe-archive} for entries escaping {@code targetDir};
     *     {@code bad-archive} for unreadable archives, exceeded limits or a missing subdir
     */
    public UnpackedSource unpack(Path archive, Path targetDir, Optional<String> subdir) throws SourceException, IOException {
        Files.createDirectories(targetDir);
        try (Stream<Path> existing = Files.list(targetDir)) {
            if (existing.findAny().isPresent()) {
                throw new DirectoryNotEmptyException(targetDir.toString());
            }
        }
        Path root = targetDir.toRealPath();
        try {
            long newest = extract(archive, root);
            return new UnpackedSource(targetDir, buildDir(targetDir, root, subdir), newest);
        } catch (SourceException | IOException | RuntimeException e) {
            deleteContents(root);
            throw e;
        }
    }

    private long extract(Path archive, Path root) throws SourceException, IOException {
        ArchiveFormat format = ArchiveFormat.detect(archive).orElseThrow(() -> new SourceException(
                SourceException.Reason.BAD_ARCHIVE, archive + " is not a tar (gzip, xz, bzip2) or zip archive"));
        long newest = 0;
        long entries = 0;
        long[] bytes = {0};
        Map<Path, String> symlinks = new LinkedHashMap<>();
        Map<Path, Long> directoryTimes = new LinkedHashMap<>();
        try (ArchiveReader reader = ArchiveReader.open(archive, format)) {
            for (Optional<ArchiveReader.Item> next = reader.next(); next.isPresent(); next = reader.next()) {
                ArchiveReader.Item item = next.get();
                if (++entries > limits.maxEntries()) {
                    throw new SourceException(SourceException.Reason.BAD_ARCHIVE, archive + " has more than "
                            + limits.maxEntries() + " entries");
                }
                Optional<Path> resolved = resolveInside(root, item.name());
                if (resolved.isEmpty()) {
                    continue; // the archive's root itself ("./")
                }
                Path path = resolved.get();
                newest = Math.max(newest, item.mtime());
                switch (item.kind()) {
                    case DIRECTORY -> {
                        createDirectory(path, item);
                        directoryTimes.put(path, item.mtime());
                    }
                    case FILE -> {
                        Files.createDirectories(path.getParent());
                        requireNotDirectory(path, item);
                        writeFile(reader.content(), path, bytes, archive);
                        finishFile(path, item);
                    }
                    case HARDLINK -> hardLink(root, path, item);
                    case SYMLINK -> {
                        checkSymlinkTarget(root, path, item.linkTarget(), item);
                        symlinks.put(path, item.linkTarget());
                    }
                    case OTHER -> throw unsafe(item, "is a " + item.description() + "; source archives hold files, directories and links only");
                }
            }
        } catch (IOException e) {
            if (e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException) {
                throw e;
            }
            throw new SourceException(SourceException.Reason.BAD_ARCHIVE, archive + " cannot be read: " + e.getMessage(), e);
        }
        createSymlinks(root, symlinks);
        for (var e : directoryTimes.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.reverseOrder())).toList()) {
            Files.setLastModifiedTime(e.getKey(), FileTime.from(e.getValue(), TimeUnit.SECONDS));
        }
        return newest;
    }

    /** The entry's path under root, empty for the root itself; refuses absolute names and '..'. */
    private static Optional<Path> resolveInside(Path root, String name) throws SourceException {
        if (name.startsWith("/") || name.indexOf('\0') >= 0 || name.matches("^[A-Za-z]:.*")) {
            throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "entry '" + name + "' has an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "entry '" + name + "' contains '..'");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        Path path = root.resolve(String.join("/", parts)).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "entry '" + name + "' leaves the source directory");
        }
        return Optional.of(path);
    }

    private static void createDirectory(Path path, ArchiveReader.Item item) throws IOException, SourceException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new SourceException(SourceException.Reason.BAD_ARCHIVE, "directory entry '" + item.name()
                    + "' collides with a file of the same name");
        }
        Files.createDirectories(path);
        setPermissions(path, EXECUTABLE);
    }

    private static void requireNotDirectory(Path path, ArchiveReader.Item item) throws SourceException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new SourceException(SourceException.Reason.BAD_ARCHIVE, "entry '" + item.name() + "' collides with a directory");
        }
    }

    private void writeFile(InputStream content, Path path, long[] total, Path archive) throws IOException, SourceException {
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = content.read(buffer)) > 0; ) {
                total[0] += n;
                if (total[0] > limits.maxTotalBytes()) {
                    throw new SourceException(SourceException.Reason.BAD_ARCHIVE, archive + " unpacks to more than "
                            + limits.maxTotalBytes() + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    private static void finishFile(Path path, ArchiveReader.Item item) throws IOException {
        setPermissions(path, item.executable() ? EXECUTABLE : REGULAR);
        Files.setLastModifiedTime(path, FileTime.from(item.mtime(), TimeUnit.SECONDS));
    }

    /** A hard link becomes a copy of the regular file it names, which must already be extracted. */
    private static void hardLink(Path root, Path path, ArchiveReader.Item item) throws SourceException, IOException {
        Optional<Path> target = resolveInside(root, item.linkTarget());
        if (target.isEmpty() || !Files.isRegularFile(target.get(), LinkOption.NOFOLLOW_LINKS)) {
            throw unsafe(item, "is a hard link to '" + item.linkTarget() + "', which is not a file extracted before it");
        }
        Files.createDirectories(path.getParent());
        requireNotDirectory(path, item);
        Files.copy(target.get(), path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
                LinkOption.NOFOLLOW_LINKS);
        finishFile(path, item);
    }

    private static void checkSymlinkTarget(Path root, Path link, String target, ArchiveReader.Item item) throws SourceException {
        if (target == null || target.isEmpty() || target.startsWith("/") || target.indexOf('\0') >= 0) {
            throw unsafe(item, "is a symbolic link to '" + target + "'; only relative links inside the source are allowed");
        }
        Path resolved = link.getParent().resolve(target).normalize();
        if (!resolved.startsWith(root)) {
            throw unsafe(item, "is a symbolic link to '" + target + "', outside the source directory");
        }
    }

    /**
     * Links are created last, so no file is ever written through one; then each is resolved for
     * real, which also catches chains of links that leave the tree together.
     */
    private static void createSymlinks(Path root, Map<Path, String> symlinks) throws SourceException, IOException {
        for (var e : symlinks.entrySet()) {
            Files.createDirectories(e.getKey().getParent());
            if (Files.exists(e.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isDirectory(e.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                    throw new SourceException(SourceException.Reason.BAD_ARCHIVE, "symbolic link "
                            + root.relativize(e.getKey()) + " collides with a directory");
                }
                Files.delete(e.getKey());
            }
            Files.createSymbolicLink(e.getKey(), Path.of(e.getValue()));
        }
        for (Path link : symlinks.keySet()) {
            Path real;
            try {
                real = link.toRealPath();
            } catch (NoSuchFileException dangling) {
                continue; // checked lexically already; nothing to read or write through it
            } catch (IOException loop) {
                throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "symbolic link " + root.relativize(link)
                        + " cannot be resolved: " + loop.getMessage());
            }
            if (!real.startsWith(root)) {
                throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "symbolic link " + root.relativize(link)
                        + " resolves outside the source directory (through other links)");
            }
        }
    }

    private static Path buildDir(Path targetDir, Path root, Optional<String> subdir) throws SourceException, IOException {
        if (subdir.isPresent()) {
            Path dir = root.resolve(subdir.get()).normalize();
            if (!dir.startsWith(root) || !Files.isDirectory(dir) || !dir.toRealPath().startsWith(root)) {
                throw new SourceException(SourceException.Reason.BAD_ARCHIVE, "subdir '" + subdir.get()
                        + "' is not a directory in the archive (top level: " + topLevel(root) + ")");
            }
            return targetDir.resolve(subdir.get());
        }
        try (Stream<Path> children = Files.list(root)) {
            List<Path> top = children.toList();
            if (top.size() == 1 && Files.isDirectory(top.get(0), LinkOption.NOFOLLOW_LINKS)) {
                return targetDir.resolve(top.get(0).getFileName());
            }
        }
        return targetDir;
    }

    private static String topLevel(Path root) throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return String.join(", ", children.map(p -> p.getFileName().toString()).sorted().limit(10).toList());
        }
    }

    private static SourceException unsafe(ArchiveReader.Item item, String what) {
        return new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "entry '" + item.name() + "' " + what);
    }

    private static void setPermissions(Path path, Set<PosixFilePermission> permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, permissions);
        } catch (UnsupportedOperationException notPosix) {
            // a non-POSIX file system keeps its own permissions
        }
    }

    private static void deleteContents(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(root)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
