package dev.extfarm.registry.oci;

import dev.extfarm.registry.http.SpooledBody;
import java.io.IOException;
import java.io.InputStream;

/**
 * A {@code /v2/} request body, already received by {@link dev.extfarm.registry.http.BodyIntake}
 * (memory or a temporary file) before the route runs: reading it never waits for the network.
 */
final class RequestBody extends InputStream {

    /** The body of a request that has none (or of an anonymous push, which is refused before reading). */
    static final SpooledBody NONE = SpooledBody.empty();

    private final InputStream in;

    RequestBody(SpooledBody body) {
        this.in = body.open();
    }

    /** Nothing to do: what the client sent was received before the route ran, and is dropped with the request. */
    void discard() {
    }

    @Override
    public int read() throws IOException {
        return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
