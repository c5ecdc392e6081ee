package dev.extfarm.bundle;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts every byte read, stops at a byte limit, and hands each chunk read to a {@link Copy}
 * (a hash, a file, a blob writer, a quota meter: a tee). The one place where extfarm counts and
 * copies a stream under a limit: the hardened reader (limit and whole-stream sha-256), the
 * registry's upload (limit, and a copy into the blob store) and the fetcher's download (a copy
 * into the partial file, counted against the staging quota) all read through it.
 *
 * <p>Each chunk is counted and checked against the limit before it is copied: bytes over the
 * limit reach no copy. An exception of the copy reaches the reader as it was thrown (the caller
 * names the fault: the registry turns a blob-store failure into its own exception type).
 * {@link #skip} reads the skipped bytes, so they are counted and copied too.
 */
public final class GuardedInputStream extends FilterInputStream {

    /** Where every byte read is also written, in order. */
    @FunctionalInterface
    public interface Copy {
        void write(byte[] b, int off, int len) throws IOException;
    }

    /** Thrown when the input is longer than the limit. */
    public static final class TooLargeException extends IOException {
        private final long limit;
        private final long read;

        TooLargeException(long limit, long read) {
            super("more than " + limit + " bytes");
            this.limit = limit;
            this.read = read;
        }

        /** The limit the input went over. */
        public long limit() {
            return limit;
        }

        /** Bytes read when it went over (more than {@link #limit}). */
        public long read() {
            return read;
        }
    }

    private static final Copy NOWHERE = (b, off, len) -> { };

    private final long limit;
    private final Copy copy;
    private long count;

    /** Counts and stops after {@code limit} bytes ({@link Long#MAX_VALUE}: never). */
    public GuardedInputStream(InputStream in, long limit) {
        this(in, limit, NOWHERE);
    }

    /** Counts, stops after {@code limit} bytes, and writes every byte read to {@code copy}. */
    public GuardedInputStream(InputStream in, long limit, Copy copy) {
        super(in);
        this.limit = limit;
        this.copy = copy;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
            if (count > limit) {
                throw new TooLargeException(limit, count);
            }
            copy.write(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }
}
