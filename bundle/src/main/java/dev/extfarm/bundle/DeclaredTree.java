package dev.extfarm.bundle;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What manifest.json, the first entry, says the rest of the archive holds. It lets the reader
 * enforce the entry count and the sizes before it writes anything: a manifest that lists more
 * than the limits allow is refused as soon as it is read, and each later file or link must be
 * listed, with the listed size, mode and target, before a byte of it is written. So whatever an
 * archive that is refused makes the reader write is never more than a valid bundle within the
 * limits would (and an archive refused for its count or sizes makes it write nothing at all).
 */
final class DeclaredTree {

    private static final long BLOCK = 512;

    private final Map<String, BundleManifest.FileEntry> listed = new TreeMap<>();

    private DeclaredTree(BundleManifest manifest) {
        manifest.files().forEach(f -> listed.put(f.path(), f));
    }

    /**
     * Checks what the manifest declares against the limits, counting the archive as the writer
     * writes it: the manifest, every listed file and link, and every directory above them.
     */
    static DeclaredTree of(BundleManifest manifest, long manifestSize, BundleLimits limits) throws BundleRejectedException {
        Set<String> dirs = new HashSet<>();
        long bytes = BLOCK + roundUp(manifestSize) + 2 * BLOCK;
        for (BundleManifest.FileEntry f : manifest.files()) {
            dirs.addAll(EntryPaths.parents(f.path()));
            if (f.size() > limits.maxEntrySize()) {
                throw new BundleRejectedException(RejectionRule.SIZE, f.path(), "manifest.json lists it with " + f.size()
                        + " bytes, over the limit of " + limits.maxEntrySize() + " per file; nothing was written");
            }
            if (BundleLayout.controlName(f.path()) != null && f.size() > limits.maxControlFileSize()) {
                throw new BundleRejectedException(RejectionRule.SIZE, f.path(), "manifest.json lists it with " + f.size()
                        + " bytes, over the limit of " + limits.maxControlFileSize() + " for a control file; nothing was written");
            }
            bytes += BLOCK + roundUp(f.size());
        }
        long entries = 1L + manifest.files().size() + dirs.size();
        if (entries > limits.maxEntries()) {
            throw new BundleRejectedException(RejectionRule.COUNT, BundleLayout.MANIFEST, "lists " + manifest.files().size()
                    + " files and links in " + dirs.size() + " directories: " + entries + " entries, more than the limit of "
                    + limits.maxEntries() + "; nothing was written");
        }
        bytes += BLOCK * dirs.size();
        if (bytes > limits.maxTotalSize()) {
            throw new BundleRejectedException(RejectionRule.SIZE, BundleLayout.MANIFEST, "lists files that need at least "
                    + bytes + " bytes of archive, over the limit of " + limits.maxTotalSize() + "; nothing was written");
        }
        return new DeclaredTree(manifest);
    }

    /** Before a file is written: it is listed as a file of this size and mode. */
    void requireFile(String entry, String path, long size, boolean executable) throws BundleRejectedException {
        BundleManifest.FileEntry l = listed.get(path);
        if (l == null) {
            throw notListed(entry);
        }
        BundleManifest.FileEntry a = BundleManifest.FileEntry.file(path, size, l.sha256(), executable);
        if (!a.equals(l)) {
            throw differs(entry, l, a);
        }
    }

    /** After a file was read: it has the listed sha-256. */
    void requireDigest(String entry, BundleManifest.FileEntry actual) throws BundleRejectedException {
        BundleManifest.FileEntry l = listed.get(actual.path());
        if (!actual.equals(l)) {
            throw differs(entry, l, actual);
        }
    }

    /** Before a link is made: it is listed as a link to this target. */
    void requireSymlink(String entry, String path, String target) throws BundleRejectedException {
        BundleManifest.FileEntry l = listed.get(path);
        if (l == null) {
            throw notListed(entry);
        }
        BundleManifest.FileEntry a = BundleManifest.FileEntry.symlink(path, target);
        if (!a.equals(l)) {
            throw differs(entry, l, a);
        }
    }

    /** At the end: everything listed was in the archive. */
    void requireAllPresent(Collection<String> present) throws BundleRejectedException {
        for (String path : listed.keySet()) {
            if (!present.contains(path)) {
                throw new BundleRejectedException(RejectionRule.MANIFEST_MISMATCH, path, "is in manifest.json but not in the archive");
            }
        }
    }

    private static BundleRejectedException notListed(String entry) {
        return new BundleRejectedException(RejectionRule.MANIFEST_MISMATCH, entry, "is in the archive but not in manifest.json");
    }

    private static BundleRejectedException differs(String entry, BundleManifest.FileEntry listed, BundleManifest.FileEntry actual) {
        return new BundleRejectedException(RejectionRule.MANIFEST_MISMATCH, entry, "manifest.json says "
                + describe(listed) + " but the archive has " + describe(actual));
    }

    private static String describe(BundleManifest.FileEntry f) {
        return f.isSymlink() ? "a link to '" + f.link() + "'"
                : f.size() + " bytes, mode " + f.mode() + ", sha-256 " + f.sha256();
    }

    private static long roundUp(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }
}
