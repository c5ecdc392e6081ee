package dev.extfarm.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hashes and counts every byte and stops at a byte limit (a {@link GuardedInputStream} that
 * copies into the digest), but the source is read and hashed on a thread of its own, up to {@link #CHUNKS} chunks of
 * {@link #CHUNK} bytes ahead of the reader. The whole-stream sha-256 and the per-file sha-256s of
 * {@link BundleReader} then run on two cores instead of one, and a slow source (the network)
 * overlaps with unpacking.
 *
 * <p>The digest is still computed here, inside the bundle library, from exactly the bytes handed
 * to the reader: a chunk is hashed before it is queued, the queue hands chunks over in order, and
 * {@link #sha256()} is only asked after the reader took the end of the stream. Errors of the
 * source reach the reader as the same exception object. {@link #close} stops the thread, closing
 * the source if the reader gives up before the end (that is what unblocks a network read).
 */
final class HashingReadAhead extends InputStream implements StreamDigest {

    static final int CHUNK = 256 << 10;
    static final int CHUNKS = 8;

    private record Chunk(byte[] bytes, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0);

    private final MessageDigest digest = Digests.newSha256();
    private final GuardedInputStream source;
    private final BlockingQueue<Object> filled = new ArrayBlockingQueue<>(CHUNKS + 2);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final Thread thread;
    private volatile boolean closed;
    private int allocated;       // chunks made so far, by the thread
    private Chunk current;
    private int pos;
    private boolean ended;

    HashingReadAhead(InputStream source, long limit) {
        // counted and hashed by the thread, asked by the reader after END (the queue orders them)
        this.source = new GuardedInputStream(source, limit, digest::update);
        thread = new Thread(this::run, "bundle-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!closed) {
                byte[] b = free.poll();
                if (b == null && allocated < CHUNKS) {
                    b = new byte[CHUNK]; // chunks are made as needed: a small bundle never needs all of them
                    allocated++;
                }
                if (b == null) {
                    b = free.poll(100, TimeUnit.MILLISECONDS);
                }
                if (b == null) {
                    continue; // the reader is busy; look at 'closed' again
                }
                int n = source.read(b, 0, b.length);
                if (n < 0) {
                    put(END);
                    return;
                }
                put(new Chunk(b, n));
            }
        } catch (Throwable t) {
            put(t);
        }
    }

    private void put(Object o) {
        try {
            while (!closed && !filled.offer(o, 100, TimeUnit.MILLISECONDS)) {
                // the reader is busy; wait
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || pos == current.length()) {
            if (ended) {
                return -1;
            }
            if (current != null) {
                free.add(current.bytes());
                current = null;
            }
            Object o;
            try {
                o = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the bundle");
            }
            if (o == END) {
                ended = true;
                return -1;
            }
            if (o instanceof IOException io) {
                ended = true;
                throw io;
            }
            if (o instanceof RuntimeException re) {
                ended = true;
                throw re;
            }
            if (o instanceof Throwable t) {
                ended = true;
                throw new IOException(t.toString(), t);
            }
            current = (Chunk) o;
            pos = 0;
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.bytes(), pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long count() {
        requireEnd();
        return source.count();
    }

    @Override
    public String sha256() {
        requireEnd();
        return Digests.hex(digest.digest());
    }

    private void requireEnd() {
        if (!ended) {
            throw new IllegalStateException("the digest of a stream is only known after its end");
        }
    }

    /** Stops the thread; closes the source unless the thread already read it to its end. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            filled.clear();
            if (thread.isAlive()) {
                try {
                    source.close(); // unblocks a read waiting on the network
                } catch (IOException | RuntimeException ignored) {
                    // already failed; the reader reports its own error
                }
            }
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
