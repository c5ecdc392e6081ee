package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The one stream that counts, limits and copies what is read (the reader, the registry's upload, the fetcher's download). */
class GuardedInputStreamTest {

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    /** Hands out at most 7 bytes per read, as a network does: limits are checked per chunk, not per call. */
    private static InputStream trickle(byte[] b) {
        return new ByteArrayInputStream(b) {
            @Override
            public synchronized int read(byte[] buf, int off, int len) {
                return super.read(buf, off, Math.min(len, 7));
            }
        };
    }

    @Test
    void copiesEveryByteReadInOrderAndCountsThem() throws IOException {
        byte[] data = bytes(100_000);
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        GuardedInputStream in = new GuardedInputStream(trickle(data), data.length, copy::write);
        assertThat(in.read()).isEqualTo(data[0] & 0xff);
        assertThat(in.skip(10)).isEqualTo(10);
        byte[] rest = in.readAllBytes();
        assertThat(in.count()).isEqualTo(data.length);
        assertThat(copy.toByteArray()).isEqualTo(data); // skipped bytes are read, so counted and copied too
        assertThat(rest).isEqualTo(Arrays.copyOfRange(data, 11, data.length));
    }

    @Test
    void stopsOneByteOverTheLimitAndCopiesNothingOverIt() throws IOException {
        byte[] data = bytes(1001);
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        GuardedInputStream in = new GuardedInputStream(trickle(data), 1000, copy::write);
        assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
                .isInstanceOfSatisfying(GuardedInputStream.TooLargeException.class, e -> {
                    assertThat(e.limit()).isEqualTo(1000);
                    assertThat(e.read()).isGreaterThan(1000);
                    assertThat(e).hasMessage("more than 1000 bytes");
                });
        assertThat(copy.size()).isLessThanOrEqualTo(1000);
        assertThat(copy.toByteArray()).isEqualTo(Arrays.copyOf(data, copy.size()));
    }

    @Test
    void exactlyTheLimitIsAccepted() throws IOException {
        byte[] data = bytes(1000);
        GuardedInputStream in = new GuardedInputStream(trickle(data), 1000);
        assertThat(in.readAllBytes()).isEqualTo(data);
        assertThat(in.count()).isEqualTo(1000);
    }

    @Test
    void aFailingCopyReachesTheReaderAsThrown() {
        IOException full = new IOException("disk full");
        GuardedInputStream in = new GuardedInputStream(trickle(bytes(100)), Long.MAX_VALUE, (b, off, len) -> {
            throw full;
        });
        assertThatThrownBy(in::readAllBytes).isSameAs(full);
    }

    @Test
    void closingClosesTheSource() throws IOException {
        boolean[] closed = {false};
        InputStream source = new ByteArrayInputStream(bytes(10)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        new GuardedInputStream(source, 10).close();
        assertThat(closed[0]).isTrue();
    }
}
