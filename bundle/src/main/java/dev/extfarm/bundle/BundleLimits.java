package dev.extfarm.bundle;

/**
 * Bounds on what a reader accepts, so reading any input takes bounded time and memory.
 *
 * @param maxEntries        entries of any type, directories included
 * @param maxEntrySize      bytes of one regular file
 * @param maxTotalSize      bytes of the whole tar stream
 * @param maxPathLength     bytes of one path (after PAX or GNU long names)
 * @param maxPaxHeaderSize  bytes of one PAX extended header
 * @param maxManifestSize   bytes of manifest.json (held in memory)
 * @param maxControlFileSize bytes of one control file (held in memory)
 */
public record BundleLimits(int maxEntries, long maxEntrySize, long maxTotalSize, int maxPathLength,
                           int maxPaxHeaderSize, int maxManifestSize, int maxControlFileSize) {

    public static final BundleLimits DEFAULT = new BundleLimits(
            50_000, 2L << 30, 4L << 30, 1024, 64 << 10, 16 << 20, 256 << 10);

    public BundleLimits {
        if (maxEntries <= 0 || maxEntrySize <= 0 || maxTotalSize <= 0 || maxPathLength <= 0
                || maxPaxHeaderSize <= 0 || maxManifestSize <= 0 || maxControlFileSize <= 0) {
            throw new IllegalArgumentException("bundle limits must be positive");
        }
    }

    public BundleLimits withMaxEntries(int n) {
        return new BundleLimits(n, maxEntrySize, maxTotalSize, maxPathLength, maxPaxHeaderSize, maxManifestSize, maxControlFileSize);
    }

    public BundleLimits withMaxEntrySize(long n) {
        return new BundleLimits(maxEntries, n, maxTotalSize, maxPathLength, maxPaxHeaderSize, maxManifestSize, maxControlFileSize);
    }

    public BundleLimits withMaxTotalSize(long n) {
        return new BundleLimits(maxEntries, maxEntrySize, n, maxPathLength, maxPaxHeaderSize, maxManifestSize, maxControlFileSize);
    }
}
