package dev.extfarm.registry.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends a blocking stream (a blob of a remote store: S3) as a response body, from a worker thread,
 * with back-pressure: whenever the connection's write queue is full it waits for the queue to
 * drain, so a slow client holds one buffer, not the whole blob, in memory. A client that reads
 * nothing for {@link #DRAIN_WAIT_SECONDS} ends the transfer with a {@link TimeoutException}.
 * The one place where the registry pumps a stream into a response; a local file goes out with
 * {@code sendFile} instead (zero-copy, from the event loop).
 */
public final class BlockingBodyWriter {

    static final int BUFFER = 1 << 16;
    static final int DRAIN_WAIT_SECONDS = 60;

    private BlockingBodyWriter() {
    }

    /**
     * Writes the first {@code length} bytes of {@code in} (fewer if it ends sooner), closes it and
     * ends the response. Call it on a worker thread, never on the event loop: it blocks.
     */
    public static void send(InputStream in, long length, HttpServerResponse resp)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        byte[] buf = new byte[BUFFER];
        try (in) {
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                left -= n;
                if (resp.writeQueueFull()) {
                    CompletableFuture<Void> drained = new CompletableFuture<>();
                    resp.drainHandler(v -> drained.complete(null));
                    if (resp.writeQueueFull()) { // it may have drained before the handler was set
                        drained.get(DRAIN_WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                }
                resp.write(Buffer.buffer(Arrays.copyOf(buf, n)));
            }
        }
        resp.end();
    }
}
