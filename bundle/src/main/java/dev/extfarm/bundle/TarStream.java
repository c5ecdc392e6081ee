package dev.extfarm.bundle;

import java.io.IOException;
import java.io.InputStream;

/**
 * The strict tar reader for untrusted archives that are not bundles (a build container's output,
 * which the worker maps onto the bundle layout itself): one entry at a time, with the same header,
 * name and size rules as {@link BundleReader} (those that keep two tar readers from seeing two trees
 * included) but no layout, manifest, owner or mode rules. Names come out canonical
 * (relative, no {@code ..}, no empty or {@code .} components, UTF-8 without control characters);
 * only regular files, directories and symbolic links come out, anything else (hard links, devices,
 * FIFOs, sparse files) is refused with its {@link RejectionRule}. Link targets are returned as
 * they are: what a target may point at is the caller's rule. Memory and time are bounded by
 * {@link BundleLimits} whatever the input; nothing is written anywhere.
 */
public final class TarStream {

    /** What an entry is. */
    public enum Kind { FILE, DIRECTORY, SYMLINK }

    /**
     * One entry. {@code path} is canonical and relative ({@code install/usr/lib}); {@code size} is
     * 0 except for files; {@code linkTarget} is null except for symbolic links.
     */
    public record Entry(String path, Kind kind, long size, boolean executable, String linkTarget) {
    }

    private final GuardedInputStream in;
    private final TarReader tar;
    private final BundleLimits limits;
    private int count;

    public TarStream(InputStream in, BundleLimits limits) {
        this.in = new GuardedInputStream(in, limits.maxTotalSize());
        this.tar = new TarReader(this.in, limits, TarReader.Profile.TREE);
        this.limits = limits;
    }

    /** The next entry (the unread data of the previous one is skipped), or null at the end-of-archive marker. */
    public Entry next() throws IOException, BundleRejectedException {
        TarReader.Entry e = guarded(tar::next);
        if (e == null) {
            return null;
        }
        if (++count > limits.maxEntries()) {
            throw new BundleRejectedException(RejectionRule.COUNT, e.name(), "more than " + limits.maxEntries() + " entries");
        }
        String path = EntryPaths.normalize(e.name());
        if (path.isEmpty() && e.type() != TarReader.Type.DIRECTORY) {
            throw new BundleRejectedException(RejectionRule.NON_CANONICAL_PATH, e.name(), "the root can only be a directory");
        }
        Kind kind = switch (e.type()) {
            case FILE -> Kind.FILE;
            case DIRECTORY -> Kind.DIRECTORY;
            case SYMLINK -> Kind.SYMLINK;
        };
        return new Entry(path, kind, e.size(), (e.mode() & 0100) != 0, e.linkName());
    }

    /** Reads the current entry's data; -1 at its end. */
    public int read(byte[] buf, int off, int len) throws IOException, BundleRejectedException {
        return guarded(() -> tar.read(buf, off, len));
    }

    /** After {@link #next} returned null: nothing but zero padding may follow. */
    public void finish() throws IOException, BundleRejectedException {
        guarded(() -> {
            tar.finish();
            return null;
        });
    }

    /** Bytes read so far. */
    public long bytesRead() {
        return in.count();
    }

    private interface TarCall<T> {
        T call() throws IOException, BundleRejectedException;
    }

    private <T> T guarded(TarCall<T> call) throws IOException, BundleRejectedException {
        try {
            return call.call();
        } catch (GuardedInputStream.TooLargeException e) {
            throw new BundleRejectedException(RejectionRule.SIZE, "-", "the archive is larger than the limit of "
                    + limits.maxTotalSize() + " bytes");
        }
    }
}
