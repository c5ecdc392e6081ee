package dev.extfarm.registry.bundle;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 response head written as bytes: the edge has no response encoder in its pipeline
 * (a head is a few hundred ASCII bytes; a body is a file region or a small JSON document).
 */
final class EdgeResponse {

    private final StringBuilder head = new StringBuilder(256);

    EdgeResponse(int status, String reason) {
        head.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
    }

    EdgeResponse header(String name, Object value) {
        head.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    /** The head's bytes without the final empty line (what a remembered bundle keeps). */
    byte[] headerBytes() {
        return head.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Head lines + {@code Date} + the connection header + the empty line, in one buffer. */
    static ByteBuf encode(ByteBufAllocator alloc, byte[] headerBytes, byte[] dateLine, boolean keepAlive, boolean http10) {
        byte[] connection = keepAlive ? (http10 ? KEEP_ALIVE : NONE) : CLOSE;
        ByteBuf buf = alloc.directBuffer(headerBytes.length + dateLine.length + connection.length + 2);
        return buf.writeBytes(headerBytes).writeBytes(dateLine).writeBytes(connection).writeByte('\r').writeByte('\n');
    }

    private static final byte[] NONE = new byte[0];
    private static final byte[] CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
}
