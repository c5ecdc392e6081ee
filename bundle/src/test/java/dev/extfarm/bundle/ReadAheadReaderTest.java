package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BundleReader#withReadAheadThread()}: the whole-stream sha-256 computed on a second
 * thread must give exactly what the plain reader gives, on a bundle of many read-ahead chunks,
 * refuse the same inputs, and never leave its thread or a half-read source behind.
 */
class ReadAheadReaderTest {

    @TempDir
    Path tmp;

    private Path tree;
    private byte[] bytes;
    private String sha256;

    /** A bundle of about 13 read-ahead chunks: one 3 MiB library among the small files. */
    @BeforeEach
    void bigBundle() throws Exception {
        tree = Fixtures.tree(tmp.resolve("tree"), "big");
        byte[] lib = new byte[3 << 20];
        new Random(42).nextBytes(lib);
        Files.write(tree.resolve("lib/big-data.so"), lib);
        BundleWriter.Packed packed = BundleWriter.pack(tree, Fixtures.manifest("big"), 0, tmp.resolve("big.tar"));
        bytes = Files.readAllBytes(tmp.resolve("big.tar"));
        sha256 = packed.sha256();
        assertThat(bytes.length).isGreaterThan(10 * HashingReadAhead.CHUNK);
    }

    @Test
    void unpacksTheSameTreeWithTheSameDigestAsThePlainReader() throws Exception {
        VerifiedBundle plain = BundleReader.withDefaults().verify(new ByteArrayInputStream(bytes), sha256);
        VerifiedBundle ahead = BundleReader.withDefaults().withReadAheadThread()
                .unpack(new DribblingStream(bytes), tmp.resolve("out"), sha256);
        assertThat(ahead.sha256()).isEqualTo(plain.sha256()).isEqualTo(Digests.sha256(bytes));
        assertThat(ahead.size()).isEqualTo(plain.size()).isEqualTo(bytes.length);
        assertThat(ahead.manifest()).isEqualTo(plain.manifest());
        TreeAssertions.assertSameTree(tree, tmp.resolve("out"));
        assertNoReadAheadThreadLeft();
    }

    @Test
    void oneFlippedByteInTheBigFileIsRefusedAndNothingIsLeft() {
        byte[] damaged = bytes.clone();
        damaged[bytes.length / 2] ^= 1; // inside the library's data: the per-file digest no longer matches the manifest
        assertThatThrownBy(() -> BundleReader.withDefaults().withReadAheadThread().unpack(new ByteArrayInputStream(damaged),
                tmp.resolve("out"), sha256))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(RejectionRule.MANIFEST_MISMATCH));
        assertNothingStaged();
        assertNoReadAheadThreadLeft();
    }

    @Test
    void aCorrectManifestWithAnotherAddressIsRefusedByTheWholeStreamDigest() {
        assertThatThrownBy(() -> BundleReader.withDefaults().withReadAheadThread().unpack(new ByteArrayInputStream(bytes),
                tmp.resolve("out"), "0".repeat(64)))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(RejectionRule.DIGEST_MISMATCH))
                .hasMessageContaining(sha256);
        assertNothingStaged();
        assertNoReadAheadThreadLeft();
    }

    @Test
    void aStreamCutShortIsTruncatedAndNothingIsLeft() {
        byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
        assertThatThrownBy(() -> BundleReader.withDefaults().withReadAheadThread().unpack(new ByteArrayInputStream(cut),
                tmp.resolve("out"), sha256))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(RejectionRule.TRUNCATED));
        assertNothingStaged();
        assertNoReadAheadThreadLeft();
    }

    @Test
    void aStreamOverTheTotalLimitIsRefusedOnTheReadAheadThread() {
        BundleReader small = new BundleReader(BundleLimits.DEFAULT.withMaxTotalSize(HashingReadAhead.CHUNK * 3L)).withReadAheadThread();
        assertThatThrownBy(() -> small.unpack(new ByteArrayInputStream(bytes), tmp.resolve("out"), sha256))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(RejectionRule.SIZE));
        assertNothingStaged();
        assertNoReadAheadThreadLeft();
    }

    @Test
    void anErrorOfTheSourceReachesTheCallerAsTheSameException() {
        IOException dropped = new IOException("connection reset at byte 1000000");
        InputStream failing = new SequenceInputStream(new ByteArrayInputStream(bytes, 0, 1_000_000), new InputStream() {
            @Override
            public int read() throws IOException {
                throw dropped;
            }
        });
        assertThatThrownBy(() -> BundleReader.withDefaults().withReadAheadThread().unpack(failing, tmp.resolve("out"), sha256))
                .isSameAs(dropped);
        assertNothingStaged();
        assertNoReadAheadThreadLeft();
    }

    @Test
    @Timeout(20)
    void anEarlyRefusalClosesASourceThatWouldBlockForEver() throws Exception {
        byte[] hostile = new RawTar().file("../escape", "x").bytes(); // no end marker: the rest would come from the network
        CountDownLatch closed = new CountDownLatch(1);
        InputStream network = new SequenceInputStream(new ByteArrayInputStream(hostile), new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    closed.await(); // a server that stopped sending
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("closed");
            }

            @Override
            public void close() {
                closed.countDown();
            }
        });
        assertThatThrownBy(() -> BundleReader.withDefaults().withReadAheadThread().unpack(network, tmp.resolve("out"), sha256))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(RejectionRule.DOTDOT));
        assertThat(closed.await(5, TimeUnit.SECONDS)).as("the blocked source was closed").isTrue();
        assertNothingStaged();
        assertNoReadAheadThreadLeft();
    }

    private void assertNothingStaged() {
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".out") || n.equals("out"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertNoReadAheadThreadLeft() {
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("bundle-read-ahead") && t.isAlive());
    }

    /** Hands out odd-sized pieces, as a network does: chunks are rarely full. */
    private static final class DribblingStream extends InputStream {
        private final byte[] bytes;
        private final Random random = new Random(7);
        private int pos;

        DribblingStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + random.nextInt(100_000)), bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
