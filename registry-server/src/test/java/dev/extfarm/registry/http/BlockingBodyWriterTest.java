package dev.extfarm.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pump behind S3-backed bundle and /v2 blob downloads, on a real Vert.x server and a real
 * socket: a client that does not read holds the writer (back-pressure), not the whole body in
 * memory; every byte of the asked range arrives, in order.
 */
class BlockingBodyWriterTest {

    private static final int SIZE = 32 << 20;
    private static final byte[] BLOB = new byte[SIZE];

    static {
        for (int i = 0; i < SIZE; i++) {
            BLOB[i] = (byte) (i * 131 + (i >> 12));
        }
    }

    private Vertx vertx;
    private HttpServer server;
    private final CompletableFuture<Void> sent = new CompletableFuture<>();
    private volatile long start;
    private volatile long length;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSendBufferSize(64 << 10))
                .requestHandler(req -> {
                    req.response().putHeader("Content-Length", Long.toString(length));
                    vertx.executeBlocking(() -> {
                        InputStream in = new ByteArrayInputStream(BLOB, (int) start, SIZE - (int) start);
                        BlockingBodyWriter.send(in, length, req.response());
                        return null;
                    }, false).onComplete(r -> {
                        if (r.succeeded()) {
                            sent.complete(null);
                        } else {
                            sent.completeExceptionally(r.cause());
                        }
                    });
                })
                .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** The body of one GET, read only after {@code pauseMillis}; the socket's receive buffer is small. */
    private byte[] get(long pauseMillis, boolean[] sentBeforeReading) throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(32 << 10);
            s.connect(new InetSocketAddress("127.0.0.1", server.actualPort()), 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /blob HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(pauseMillis);
            sentBeforeReading[0] = sent.isDone();
            byte[] response = s.getInputStream().readAllBytes();
            int headerEnd = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(response, 0, headerEnd, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            return Arrays.copyOfRange(response, headerEnd + 4, response.length);
        }
    }

    private static int indexOf(byte[] a, byte[] b) {
        outer:
        for (int i = 0; i + b.length <= a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("no end of headers");
    }

    @Test
    void aClientThatDoesNotReadHoldsTheWriterAndThenGetsEveryByte() throws Exception {
        start = 0;
        length = SIZE;
        boolean[] sentBeforeReading = {true};
        byte[] body = get(1500, sentBeforeReading);
        assertThat(sentBeforeReading[0]).as("the writer waited for the client instead of queueing 32 MiB").isFalse();
        sent.get(30, TimeUnit.SECONDS);
        assertThat(body.length).isEqualTo(SIZE);
        assertThat(body).isEqualTo(BLOB);
    }

    @Test
    void sendsExactlyTheRangeAskedFor() throws Exception {
        start = 5_000_000;
        length = 1_234_567;
        byte[] body = get(0, new boolean[1]);
        sent.get(30, TimeUnit.SECONDS);
        assertThat(body).isEqualTo(Arrays.copyOfRange(BLOB, 5_000_000, 5_000_000 + 1_234_567));
    }
}
