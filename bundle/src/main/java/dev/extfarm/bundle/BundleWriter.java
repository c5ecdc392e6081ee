package dev.extfarm.bundle;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Packs a directory laid out as a bundle into a deterministic tar: {@code manifest.json} first,
 * then every other entry sorted by path; mtime fixed to SOURCE_DATE_EPOCH; uid/gid 0 and no
 * user or group names; modes 0755 for directories, executables and ELF objects, else 0644. The
 * bytes depend only on the file contents, names and executable bits, never on mtimes, owners,
 * umask or the order in which the filesystem lists a directory.
 */
public final class BundleWriter {

    /** The result of packing: the address-defining digest, the size and the manifest written. */
    public record Packed(String sha256, long size, BundleManifest manifest) {
        public BundleAddress address() {
            return new BundleAddress(manifest.name(), sha256);
        }
    }

    private BundleWriter() {
    }

    /** Packs into a file, through a temporary file in the same directory and an atomic rename. */
    public static Packed pack(Path tree, BundleManifest manifest, long sourceDateEpoch, Path outFile)
            throws IOException, BundleRejectedException {
        Path dir = outFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".pack-", ".tar.tmp");
        try {
            Packed packed;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                packed = pack(tree, manifest, sourceDateEpoch, out);
            }
            Files.move(tmp, outFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return packed;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Packs {@code tree} into {@code out} (not closed). The manifest's file list is computed here;
     * a {@code manifest.json} already in the tree is replaced by the generated one.
     */
    public static Packed pack(Path tree, BundleManifest manifest, long sourceDateEpoch, OutputStream out)
            throws IOException, BundleRejectedException {
        if (sourceDateEpoch < 0) {
            throw new IllegalArgumentException("SOURCE_DATE_EPOCH must be >= 0, was " + sourceDateEpoch);
        }
        TreeMap<String, Path> entries = scan(tree);
        List<BundleManifest.FileEntry> files = new ArrayList<>();
        for (var e : entries.entrySet()) {
            Path p = e.getValue();
            if (Files.isSymbolicLink(p)) {
                files.add(BundleManifest.FileEntry.symlink(e.getKey(), Files.readSymbolicLink(p).toString()));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                files.add(BundleManifest.FileEntry.file(e.getKey(), Files.size(p), Digests.sha256(p), isExecutable(p)));
            }
        }
        BundleManifest full;
        try {
            full = manifest.withFiles(files).validate();
        } catch (InvalidManifestException ex) {
            throw new BundleRejectedException(RejectionRule.MANIFEST_INVALID, BundleLayout.MANIFEST, ex.getMessage());
        }
        byte[] manifestBytes = full.toJson();

        var digest = Digests.newSha256();
        var counting = new CountingOutputStream(new DigestOutputStream(nonClosing(out), digest));
        FileTime mtime = FileTime.fromMillis(sourceDateEpoch * 1000);
        try (var tar = new TarArchiveOutputStream(counting, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);

            TarArchiveEntry me = entry(BundleLayout.MANIFEST, TarConstants.LF_NORMAL, 0100644, mtime);
            me.setSize(manifestBytes.length);
            tar.putArchiveEntry(me);
            tar.write(manifestBytes);
            tar.closeArchiveEntry();

            for (var e : entries.entrySet()) {
                String name = e.getKey();
                Path p = e.getValue();
                if (Files.isSymbolicLink(p)) {
                    TarArchiveEntry te = entry(name, TarConstants.LF_SYMLINK, 0120777, mtime);
                    te.setLinkName(Files.readSymbolicLink(p).toString());
                    tar.putArchiveEntry(te);
                    tar.closeArchiveEntry();
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    tar.putArchiveEntry(entry(name + "/", TarConstants.LF_DIR, 040755, mtime));
                    tar.closeArchiveEntry();
                } else {
                    TarArchiveEntry te = entry(name, TarConstants.LF_NORMAL, isExecutable(p) ? 0100755 : 0100644, mtime);
                    te.setSize(Files.size(p));
                    tar.putArchiveEntry(te);
                    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                        in.transferTo(tar);
                    }
                    tar.closeArchiveEntry();
                }
            }
            tar.finish();
        }
        return new Packed(Digests.hex(digest.digest()), counting.count(), full);
    }

    private static TarArchiveEntry entry(String name, byte type, int mode, FileTime mtime) {
        TarArchiveEntry te = new TarArchiveEntry(name, type);
        te.setMode(mode);
        te.setIds(0, 0);
        te.setUserName("");
        te.setGroupName("");
        te.setLastModifiedTime(mtime);
        return te;
    }

    /** Relative path → file, for every entry but the root and manifest.json, checked against the layout. */
    private static TreeMap<String, Path> scan(Path tree) throws IOException, BundleRejectedException {
        if (!Files.isDirectory(tree)) {
            throw new IOException(tree + " is not a directory");
        }
        Path root = tree.toRealPath();
        TreeMap<String, Path> entries = new TreeMap<>();
        List<BundleRejectedException> problems = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root)) {
                    String rel = relative(root, dir);
                    if (!BundleLayout.isAllowedDirectory(rel)) {
                        problems.add(new BundleRejectedException(RejectionRule.LAYOUT, rel + "/",
                                "not part of the bundle layout; move it under one of " + BundleLayout.describe()));
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    entries.put(rel, dir);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(root, file);
                if (rel.equals(BundleLayout.MANIFEST)) {
                    return FileVisitResult.CONTINUE;
                }
                if (!attrs.isRegularFile() && !attrs.isSymbolicLink()) {
                    problems.add(new BundleRejectedException(RejectionRule.DEVICE, rel, "only regular files, directories and symbolic links can be packed"));
                } else if (!BundleLayout.isAllowedFile(rel)) {
                    problems.add(new BundleRejectedException(RejectionRule.LAYOUT, rel,
                            "not part of the bundle layout; move it under one of " + BundleLayout.describe()));
                } else if (attrs.isSymbolicLink() && !staysInside(root, file)) {
                    problems.add(new BundleRejectedException(RejectionRule.LINK_ESCAPE, rel,
                            "points at '" + Files.readSymbolicLink(file) + "', outside the bundle or nowhere; copy the file instead"));
                } else {
                    entries.put(rel, file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
        return entries;
    }

    private static boolean staysInside(Path root, Path link) throws IOException {
        Path target = Files.readSymbolicLink(link);
        if (target.isAbsolute() || !link.getParent().resolve(target).normalize().startsWith(root)) {
            return false;
        }
        try {
            return link.toRealPath().startsWith(root);
        } catch (IOException dangling) {
            return false;
        }
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    /** Executables and ELF objects (shared libraries, modules) get 0755, everything else 0644. */
    static boolean isExecutable(Path p) throws IOException {
        var perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
            return true;
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }
}
