package dev.extfarm.fetcher.download;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream on its own thread, up to 2 MiB ahead: the network, the partial file and the
 * reader's hashing and unpacking then run on two cores instead of one. Errors reach the reader as
 * the same exception object (so permanent download failures keep their reason).
 */
final class ReadAhead extends InputStream {

    private static final Object EOF = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(32);
    private final Thread thread;
    private final InputStream source;
    private volatile boolean closed;
    private byte[] current;
    private int pos;
    private boolean ended;

    ReadAhead(InputStream source, String name) {
        this.source = source;
        thread = new Thread(() -> {
            try (source) {
                while (!closed) {
                    byte[] b = new byte[1 << 16];
                    int n = source.read(b);
                    if (n < 0) {
                        put(EOF);
                        return;
                    }
                    if (n > 0) {
                        put(n == b.length ? b : Arrays.copyOf(b, n));
                    }
                }
            } catch (Throwable t) {
                put(t);
            }
        }, "fetch-read-ahead " + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void put(Object o) {
        try {
            while (!closed && !queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
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
        while (current == null || pos == current.length) {
            if (ended) {
                return -1;
            }
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
            if (o == EOF) {
                ended = true;
                return -1;
            }
            if (o instanceof IOException io) {
                ended = true;
                throw io;
            }
            if (o instanceof Throwable t) {
                ended = true;
                throw new IOException(t.toString(), t);
            }
            current = (byte[]) o;
            pos = 0;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Reads to the end and waits for the thread: everything it read is then written where it writes. */
    void finish() throws IOException {
        byte[] skip = new byte[1 << 16];
        while (read(skip, 0, skip.length) >= 0) {
            // normally nothing is left after the tar's end marker
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            queue.clear();
            try {
                source.close(); // unblocks a read waiting on the network
            } catch (IOException | RuntimeException ignored) {
                // already failed
            }
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
