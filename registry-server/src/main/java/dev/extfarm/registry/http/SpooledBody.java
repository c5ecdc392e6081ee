package dev.extfarm.registry.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A request body received before any worker thread reads it: in memory when small, else in a
 * temporary file that is deleted when the request ends. {@link #open} reads it at disk speed, never
 * waiting for the network.
 */
public final class SpooledBody {

    private final byte[] memory;
    private final Path file;
    private final long size;

    private SpooledBody(byte[] memory, Path file, long size) {
        this.memory = memory;
        this.file = file;
        this.size = size;
    }

    /** No body at all. */
    public static SpooledBody empty() {
        return inMemory(new byte[0]);
    }

    static SpooledBody inMemory(byte[] bytes) {
        return new SpooledBody(bytes, null, bytes.length);
    }

    static SpooledBody inFile(Path file, long size) {
        return new SpooledBody(null, file, size);
    }

    /** The bytes received (at most one more than the endpoint's limit: see {@link BodyIntake}). */
    public long size() {
        return size;
    }

    /** The body as a stream; a file is opened on the first read (on the worker thread that reads it). */
    public InputStream open() {
        if (memory != null) {
            return new ByteArrayInputStream(memory);
        }
        return new InputStream() {
            private InputStream in;

            private InputStream in() throws IOException {
                if (in == null) {
                    in = Files.newInputStream(file);
                }
                return in;
            }

            @Override
            public int read() throws IOException {
                return in().read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in().read(b, off, len);
            }

            @Override
            public long skip(long n) throws IOException {
                return in().skip(n);
            }

            @Override
            public void close() throws IOException {
                if (in != null) {
                    in.close();
                }
            }
        };
    }

    /** The temporary file, or null for a body in memory. */
    Path file() {
        return file;
    }
}
