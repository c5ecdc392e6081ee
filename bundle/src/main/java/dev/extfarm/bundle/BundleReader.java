package dev.extfarm.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
        if (Files.exists(destination, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleRejectedException(RejectionRule.DESTINATION_EXISTS, destination.toString(),
                    "choose a path that does not exist yet; nothing was written");
        }
        try (StagingSink staging = StagingSink.beside(destination)) {
            VerifiedBundle bundle = read(in, expectedSha256, staging);
            staging.commit(destination);
            return bundle;
        }
    }

    /** Package-private for tests that watch what the reader writes, and when. */
    VerifiedBundle read(InputStream raw, String expectedSha256, EntrySink sink)
            throws IOException, BundleRejectedException {
        try {
            if (readAhead) {
                try (HashingReadAhead in = new HashingReadAhead(raw, limits.maxTotalSize())) {
                    return read(in, in, expectedSha256, sink);
                }
            }
            MessageDigest sha = Digests.newSha256();
            GuardedInputStream in = new GuardedInputStream(raw, limits.maxTotalSize(), sha::update);
            return read(in, StreamDigest.of(in, sha), expectedSha256, sink);
        } catch (GuardedInputStream.TooLargeException e) {
            throw new BundleRejectedException(RejectionRule.SIZE, "-", "the bundle is larger than the limit of "
                    + limits.maxTotalSize() + " bytes");
        }
    }

    /**
     * One pass over the archive. Nothing is written before manifest.json, the first entry, was
     * read and checked against the limits ({@link DeclaredTree}); after it, a file or link is
     * written only once it is known to be listed with its size, mode or target; directories are
     * made at the very end (files make their parents). If manifest.json is not the first entry,
     * the rest is still checked, writing nothing, so that a more specific rule is reported first.
     */
    private VerifiedBundle read(InputStream in, StreamDigest whole, String expectedSha256, EntrySink sink)
            throws IOException, BundleRejectedException {
        TarReader tar = new TarReader(in, limits);
        Map<String, TarReader.Type> seen = new HashMap<>();
        Set<String> impliedDirs = new HashSet<>();
        Map<String, String> symlinks = new TreeMap<>();
        Map<String, BundleManifest.FileEntry> actual = new TreeMap<>();
        Map<String, byte[]> controls = new TreeMap<>();
        List<String> directories = new ArrayList<>();
        BundleManifest manifest = null;
        DeclaredTree declared = null;
        boolean first = true;
        int count = 0;
        byte[] buf = new byte[HashingReadAhead.CHUNK];

        for (TarReader.Entry e; (e = tar.next()) != null; ) {
            if (++count > limits.maxEntries()) {
                throw new BundleRejectedException(RejectionRule.COUNT, e.name(), "more than " + limits.maxEntries() + " entries");
            }
            String path = e.path();
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
            boolean isManifest = first && path.equals(BundleLayout.MANIFEST) && e.type() == TarReader.Type.FILE;
            first = false;
            EntrySink out = declared != null ? sink : EntrySink.NONE;
            switch (e.type()) {
                case DIRECTORY -> directories.add(path);
                case SYMLINK -> {
                    if (declared != null) {
                        declared.requireSymlink(e.name(), path, e.linkName());
                    }
                    symlinks.put(path, e.linkName());
                    actual.put(path, BundleManifest.FileEntry.symlink(path, e.linkName()));
                    out.symlink(path, e.linkName());
                }
                case FILE -> {
                    boolean executable = (e.mode() & 0100) != 0;
                    if (isManifest) {
                        byte[] bytes = readManifest(tar, e, buf);
                        manifest = parseManifest(bytes);
                        declared = DeclaredTree.of(manifest, e.size(), limits);
                        try (OutputStream o = sink.file(path, false)) {
                            o.write(bytes);
                        }
                        continue;
                    }
                    if (declared != null) {
                        declared.requireFile(e.name(), path, e.size(), executable);
                    }
                    String control = BundleLayout.controlName(path);
                    if (control != null && e.size() > limits.maxControlFileSize()) {
                        throw new BundleRejectedException(RejectionRule.SIZE, e.name(), "is " + e.size()
                                + " bytes, over the limit of " + limits.maxControlFileSize() + " for this file");
                    }
                    ByteArrayOutputStream kept = control != null ? new ByteArrayOutputStream((int) e.size()) : null;
                    MessageDigest md = Digests.newSha256();
                    try (OutputStream o = out.file(path, executable)) {
                        for (int n; (n = tar.read(buf, 0, buf.length)) > 0; ) {
                            md.update(buf, 0, n);
                            o.write(buf, 0, n);
                            if (kept != null) {
                                kept.write(buf, 0, n);
                            }
                        }
                    }
                    BundleManifest.FileEntry file = BundleManifest.FileEntry.file(path, e.size(), Digests.hex(md.digest()), executable);
                    if (declared != null) {
                        declared.requireDigest(e.name(), file);
                    }
                    actual.put(path, file);
                    if (kept != null) {
                        controls.put(control, kept.toByteArray());
                    }
                }
            }
        }
        tar.finish();
        checkSymlinkTargets(symlinks, seen, impliedDirs);
        if (declared == null) {
            throw new BundleRejectedException(RejectionRule.MANIFEST_MISSING, BundleLayout.MANIFEST, seen.containsKey(BundleLayout.MANIFEST)
                    ? "manifest.json must be the first entry of the archive; pack it with 'extfarm bundle pack'"
                    : "the bundle has no manifest.json; pack it with 'extfarm bundle pack'");
        }
        declared.requireAllPresent(actual.keySet());
        String sha256 = whole.sha256();
        if (expectedSha256 != null && !expectedSha256.equals(sha256)) {
            throw new BundleRejectedException(RejectionRule.DIGEST_MISMATCH, "-", "expected sha-256 " + expectedSha256
                    + " but the bytes have " + sha256);
        }
        for (String d : directories) {
            sink.directory(d);
        }
        return new VerifiedBundle(sha256, whole.count(), manifest, Map.copyOf(controls));
    }

    /** manifest.json, held in memory (bounded by the limit). */
    private byte[] readManifest(TarReader tar, TarReader.Entry e, byte[] buf) throws IOException, BundleRejectedException {
        if (e.size() > limits.maxManifestSize()) {
            throw new BundleRejectedException(RejectionRule.SIZE, e.name(), "is " + e.size()
                    + " bytes, over the limit of " + limits.maxManifestSize() + " for this file");
        }
        if (e.mode() != 0644) {
            throw new BundleRejectedException(RejectionRule.MODE, e.name(), "has mode " + String.format("%04o", e.mode())
                    + "; manifest.json is 0644");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) e.size());
        for (int n; (n = tar.read(buf, 0, buf.length)) > 0; ) {
            bytes.write(buf, 0, n);
        }
        return bytes.toByteArray();
    }

    private static BundleManifest parseManifest(byte[] bytes) throws BundleRejectedException {
        try {
            return BundleManifest.parse(bytes);
        } catch (InvalidManifestException ex) {
            throw new BundleRejectedException(ex.newerFormat() ? RejectionRule.META_FORMAT : RejectionRule.MANIFEST_INVALID,
                    BundleLayout.MANIFEST, ex.getMessage());
        }
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
}
