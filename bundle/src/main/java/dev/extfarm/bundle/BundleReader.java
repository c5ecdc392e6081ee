package dev.extfarm.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads an untrusted bundle once, hashing as it reads, and refuses it (naming the entry and the
 * {@link RejectionRule}) unless every entry and the manifest pass. {@link #verify} writes nothing;
 * {@link #unpack} writes only into a fresh staging directory beside the destination and renames
 * it into place at the end, removing it on any error. Memory and time are bounded by
 * {@link BundleLimits} whatever the input.
 */
public final class BundleReader {

    private static final int MAX_LINK_HOPS = 40;

    private final BundleLimits limits;
    private final boolean readAhead;

    public BundleReader(BundleLimits limits) {
        this(limits, false);
    }

    private BundleReader(BundleLimits limits, boolean readAhead) {
        this.limits = limits;
        this.readAhead = readAhead;
    }

    public static BundleReader withDefaults() {
        return new BundleReader(BundleLimits.DEFAULT);
    }

    /**
     * The same checks, but the input is read and its whole-stream sha-256 computed on a second
     * thread ({@link HashingReadAhead}), while this thread parses, hashes each file and writes:
     * two cores for a large bundle instead of one. If reading fails or the bundle is refused, the
     * input is closed to stop that thread. For callers that stream big bundles (the fetcher).
     */
    public BundleReader withReadAheadThread() {
        return new BundleReader(limits, true);
    }

    /** Checks everything {@link #unpack} checks, writing nothing. */
    public VerifiedBundle verify(InputStream in) throws IOException, BundleRejectedException {
        return read(in, null, EntrySink.NONE);
    }

    /** As {@link #verify(InputStream)}, and the bytes must also have the given sha-256. */
    public VerifiedBundle verify(InputStream in, String expectedSha256) throws IOException, BundleRejectedException {
        return read(in, expectedSha256, EntrySink.NONE);
    }

    /** Unpacks into {@code destination}, which must not exist; all or nothing. */
    public VerifiedBundle unpack(InputStream in, Path destination) throws IOException, BundleRejectedException {
        return unpack(in, destination, null);
    }

    public VerifiedBundle unpack(InputStream in, Path destination, String expectedSha256)
            throws IOException, BundleRejectedException {
        if (Files.exists(destination, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleRejectedException(RejectionRule.DESTINATION_EXISTS, destination.toString(),
                    "choose a path that does not exist yet; nothing was written");
        }
        try (StagingSink staging = StagingSink.beside(destination)) {
            VerifiedBundle bundle = read(in, expectedSha256, staging);
            staging.commit(destination);
            return bundle;
        }
    }

    private VerifiedBundle read(InputStream raw, String expectedSha256, EntrySink sink)
            throws IOException, BundleRejectedException {
        try {
            if (readAhead) {
                try (HashingReadAhead in = new HashingReadAhead(raw, limits.maxTotalSize())) {
                    return read(in, in, expectedSha256, sink);
                }
            }
            GuardedInputStream in = new GuardedInputStream(raw, limits.maxTotalSize());
            return read(in, in, expectedSha256, sink);
        } catch (GuardedInputStream.TooLargeException e) {
            throw new BundleRejectedException(RejectionRule.SIZE, "-", "the bundle is larger than the limit of "
                    + limits.maxTotalSize() + " bytes");
        }
    }

    private VerifiedBundle read(InputStream in, StreamDigest whole, String expectedSha256, EntrySink sink)
            throws IOException, BundleRejectedException {
        TarReader tar = new TarReader(in, limits);
        Map<String, TarReader.Type> seen = new HashMap<>();
        Set<String> impliedDirs = new HashSet<>();
        Map<String, String> symlinks = new TreeMap<>();
        Map<String, BundleManifest.FileEntry> actual = new TreeMap<>();
        Map<String, byte[]> controls = new TreeMap<>();
        byte[] manifestBytes = null;
        int count = 0;
        byte[] buf = new byte[HashingReadAhead.CHUNK];

        for (TarReader.Entry e; (e = tar.next()) != null; ) {
            if (++count > limits.maxEntries()) {
                throw new BundleRejectedException(RejectionRule.COUNT, e.name(), "more than " + limits.maxEntries() + " entries");
            }
            String path = EntryPaths.normalize(e.name());
            if (path.isEmpty()) {
                if (e.type() != TarReader.Type.DIRECTORY) {
                    throw new BundleRejectedException(RejectionRule.NON_CANONICAL_PATH, e.name(), "the root can only be a directory");
                }
                continue; // "./": the bundle root itself
            }
            boolean dir = e.type() == TarReader.Type.DIRECTORY;
            if (dir ? !BundleLayout.isAllowedDirectory(path) : !BundleLayout.isAllowedFile(path)) {
                throw new BundleRejectedException(RejectionRule.LAYOUT, e.name(),
                        "not part of the bundle layout; allowed: " + BundleLayout.describe());
            }
            if (seen.containsKey(path) || (!dir && impliedDirs.contains(path))) {
                throw new BundleRejectedException(RejectionRule.DUPLICATE, e.name(), "this path appears twice in the archive");
            }
            for (String parent : EntryPaths.parents(path)) {
                TarReader.Type t = seen.get(parent);
                if (t == TarReader.Type.SYMLINK) {
                    throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, e.name(),
                            "is written through the symbolic link '" + parent + "'");
                }
                if (t == TarReader.Type.FILE) {
                    throw new BundleRejectedException(RejectionRule.DUPLICATE, e.name(), "its parent '" + parent + "' is a file");
                }
                impliedDirs.add(parent);
            }
            seen.put(path, e.type());
            switch (e.type()) {
                case DIRECTORY -> sink.directory(path);
                case SYMLINK -> {
                    EntryPaths.checkLinkTargetLexically(path, e.linkName());
                    symlinks.put(path, e.linkName());
                    actual.put(path, BundleManifest.FileEntry.symlink(path, e.linkName()));
                    sink.symlink(path, e.linkName());
                }
                case FILE -> {
                    boolean executable = (e.mode() & 0100) != 0;
                    long keep = path.equals(BundleLayout.MANIFEST) ? limits.maxManifestSize()
                            : BundleLayout.controlName(path) != null ? limits.maxControlFileSize() : -1;
                    if (keep >= 0 && e.size() > keep) {
                        throw new BundleRejectedException(RejectionRule.SIZE, e.name(), "is " + e.size()
                                + " bytes, over the limit of " + keep + " for this file");
                    }
                    ByteArrayOutputStream kept = keep >= 0 ? new ByteArrayOutputStream((int) e.size()) : null;
                    MessageDigest md = Digests.newSha256();
                    try (OutputStream out = sink.file(path, executable)) {
                        for (int n; (n = tar.read(buf, 0, buf.length)) > 0; ) {
                            md.update(buf, 0, n);
                            out.write(buf, 0, n);
                            if (kept != null) {
                                kept.write(buf, 0, n);
                            }
                        }
                    }
                    if (path.equals(BundleLayout.MANIFEST)) {
                        manifestBytes = kept.toByteArray();
                    } else {
                        actual.put(path, BundleManifest.FileEntry.file(path, e.size(), Digests.hex(md.digest()), executable));
                        if (kept != null) {
                            controls.put(BundleLayout.controlName(path), kept.toByteArray());
                        }
                    }
                }
            }
        }
        tar.finish();
        checkSymlinkTargets(symlinks, seen, impliedDirs);
        BundleManifest manifest = checkManifest(manifestBytes, actual);
        String sha256 = whole.sha256();
        if (expectedSha256 != null && !expectedSha256.equals(sha256)) {
            throw new BundleRejectedException(RejectionRule.DIGEST_MISMATCH, "-", "expected sha-256 " + expectedSha256
                    + " but the bytes have " + sha256);
        }
        return new VerifiedBundle(sha256, whole.count(), manifest, Map.copyOf(controls));
    }

    /** Follows each link through the other links, as the kernel would, and requires an entry inside the tree. */
    private static void checkSymlinkTargets(Map<String, String> symlinks, Map<String, TarReader.Type> seen,
                                            Set<String> impliedDirs) throws BundleRejectedException {
        for (var link : symlinks.entrySet()) {
            Deque<String> resolved = new ArrayDeque<>(EntryPaths.parentComponents(link.getKey()));
            Deque<String> todo = new ArrayDeque<>(List.of(link.getValue().split("/")));
            int hops = 0;
            while (!todo.isEmpty()) {
                String c = todo.removeFirst();
                if (c.isEmpty() || c.equals(".")) {
                    continue;
                }
                if (c.equals("..")) {
                    if (resolved.isEmpty()) {
                        throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, link.getKey(),
                                "points at '" + link.getValue() + "', which leaves the bundle");
                    }
                    resolved.removeLast();
                    continue;
                }
                resolved.addLast(c);
                String current = String.join("/", resolved);
                String target = symlinks.get(current);
                if (target != null) {
                    if (++hops > MAX_LINK_HOPS) {
                        throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, link.getKey(), "symbolic link loop");
                    }
                    resolved.removeLast();
                    String[] parts = target.split("/");
                    for (int i = parts.length - 1; i >= 0; i--) {
                        todo.addFirst(parts[i]);
                    }
                }
            }
            String end = String.join("/", resolved);
            boolean exists = seen.get(end) == TarReader.Type.FILE || seen.get(end) == TarReader.Type.DIRECTORY
                    || impliedDirs.contains(end);
            if (!exists) {
                throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, link.getKey(),
                        "points at '" + link.getValue() + "', which is not a file or directory in the bundle");
            }
        }
    }

    private static BundleManifest checkManifest(byte[] bytes, Map<String, BundleManifest.FileEntry> actual)
            throws BundleRejectedException {
        if (bytes == null) {
            throw new BundleRejectedException(RejectionRule.MANIFEST_MISSING, BundleLayout.MANIFEST,
                    "the bundle has no manifest.json; pack it with 'extfarm bundle pack'");
        }
        BundleManifest manifest;
        try {
            manifest = BundleManifest.parse(bytes);
        } catch (InvalidManifestException e) {
            throw new BundleRejectedException(e.newerFormat() ? RejectionRule.META_FORMAT : RejectionRule.MANIFEST_INVALID,
                    BundleLayout.MANIFEST, e.getMessage());
        }
        Map<String, BundleManifest.FileEntry> listed = new TreeMap<>();
        manifest.files().forEach(f -> listed.put(f.path(), f));
        for (var a : actual.values()) {
            BundleManifest.FileEntry l = listed.get(a.path());
            if (l == null) {
                throw new BundleRejectedException(RejectionRule.MANIFEST_MISMATCH, a.path(), "is in the archive but not in manifest.json");
            }
            if (!l.equals(a)) {
                throw new BundleRejectedException(RejectionRule.MANIFEST_MISMATCH, a.path(), "manifest.json says "
                        + describe(l) + " but the archive has " + describe(a));
            }
        }
        for (String path : listed.keySet()) {
            if (!actual.containsKey(path)) {
                throw new BundleRejectedException(RejectionRule.MANIFEST_MISMATCH, path, "is in manifest.json but not in the archive");
            }
        }
        return manifest;
    }

    private static String describe(BundleManifest.FileEntry f) {
        return f.isSymlink() ? "a link to '" + f.link() + "'"
                : f.size() + " bytes, mode " + f.mode() + ", sha-256 " + f.sha256();
    }
}
