package dev.extfarm.registry.oci;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A request body as a blocking {@link InputStream} for a worker thread, with back-pressure: the
 * request is paused whenever more than {@link #HIGH} bytes wait and resumed below {@link #LOW}.
 * Create it on the event loop before anything asynchronous happens (else early bytes would be
 * missed); it starts reading on the first {@link #read}, answering {@code Expect: 100-continue} then.
 */
final class RequestBody extends InputStream {

    static final int HIGH = 4 << 20;
    static final int LOW = 1 << 20;
    private static final long TIMEOUT_MILLIS = 120_000;

    private final HttpServerRequest request;
    private final RoutingContext routing;
    private final Context context;
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private long queued;
    private boolean paused = true;
    private boolean started;
    private boolean ended;
    private boolean discarding;
    private Throwable failure;
    private Buffer current;
    private int pos;
    private long read;

    RequestBody(RoutingContext ctx) {
        this.routing = ctx;
        this.request = ctx.request();
        this.context = Vertx.currentContext();
        if (request.isEnded()) {
            ended = true;
            return;
        }
        request.pause();
        request.handler(this::onData);
        request.endHandler(v -> onEnd());
        request.exceptionHandler(this::onFailure);
    }

    private synchronized void onData(Buffer b) {
        if (discarding) {
            return;
        }
        queue.add(b);
        queued += b.length();
        if (queued > HIGH && !paused) {
            paused = true;
            request.pause();
        }
        notifyAll();
    }

    private synchronized void onEnd() {
        ended = true;
        notifyAll();
    }

    private synchronized void onFailure(Throwable t) {
        failure = t;
        notifyAll();
    }

    /** Bytes handed out so far. */
    synchronized long bytesRead() {
        return read;
    }

    /** Drops whatever the client still sends (after an early error response). */
    synchronized void discard() {
        discarding = true;
        queue.clear();
        queued = 0;
        if (!ended) {
            context.runOnContext(v -> request.resume());
        }
    }

    private void resumeOnContext(boolean first) {
        context.runOnContext(v -> {
            if (first && "100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
                routing.response().writeContinue();
            }
            request.resume();
        });
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!started && !ended) {
            started = true;
            paused = false;
            resumeOnContext(true);
        }
        long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
        while (current == null || pos == current.length()) {
            current = queue.poll();
            pos = 0;
            if (current != null) {
                queued -= current.length();
                if (paused && queued < LOW) {
                    paused = false;
                    resumeOnContext(false);
                }
                continue;
            }
            if (failure != null) {
                throw new IOException("the request body broke off: " + failure.getMessage(), failure);
            }
            if (ended) {
                return -1;
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new IOException("no request body bytes for " + TIMEOUT_MILLIS / 1000 + " s");
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the request body");
            }
        }
        int n = Math.min(len, current.length() - pos);
        current.getBytes(pos, pos + n, b, off);
        pos += n;
        read += n;
        return n;
    }
}
