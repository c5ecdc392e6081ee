package dev.extfarm.registry.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.Digests;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What every {@link BlobStore} must do; run against each implementation on real storage. */
abstract class BlobStoreContract {

    abstract BlobStore store();

    /** Bytes that make a multipart upload on S3 (part size 5 MiB in the tests). */
    static final int LARGE = 12 << 20;

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static BlobKey key() {
        return BlobKey.of("extensions/t" + UUID.randomUUID().toString().substring(0, 8) + "/sha-256+x/bundle.tar");
    }

    @Test
    void putPublishesTheVerifiedBytes() throws Exception {
        byte[] b = bytes(1000, 1);
        BlobKey k = key();
        var published = store().put(k, new ByteArrayInputStream(b), Digests.sha256(b));
        assertThat(published.created()).isTrue();
        assertThat(published.info().size()).isEqualTo(1000);
        BlobInfo stat = store().stat(k).orElseThrow();
        assertThat(stat.key()).isEqualTo(k);
        assertThat(stat.size()).isEqualTo(1000);
        // garbage collection's grace period counts from here
        assertThat(stat.modified()).isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now().plusSeconds(120));
        assertThat(store().list(prefixOf(k))).extracting(BlobInfo::modified)
                .allMatch(m -> Duration.between(m, stat.modified()).abs().toSeconds() <= 1); // HTTP dates have whole seconds
        try (InputStream in = store().open(k, 0)) {
            assertThat(in.readAllBytes()).isEqualTo(b);
        }
    }

    @Test
    void rejectsMismatchedBytesAndKeepsNothing() throws Exception {
        for (int size : new int[] {100, LARGE}) {
            byte[] b = bytes(size, 2);
            BlobKey k = key();
            String wrong = Digests.sha256(new byte[] {1});
            assertThatThrownBy(() -> store().put(k, new ByteArrayInputStream(b), wrong))
                    .isInstanceOf(BlobDigestMismatchException.class)
                    .hasMessageContaining("nothing was stored");
            assertThat(store().stat(k)).isEmpty();
            assertThat(store().list(prefixOf(k))).isEmpty();
            assertThat(store().cleanTemporaries(Duration.ZERO)).as("temporaries left behind").isZero();
        }
    }

    @Test
    void sameBytesTwiceIsANoOp() throws Exception {
        byte[] b = bytes(5000, 3);
        BlobKey k = key();
        assertThat(store().put(k, new ByteArrayInputStream(b), Digests.sha256(b)).created()).isTrue();
        assertThat(store().put(k, new ByteArrayInputStream(b), Digests.sha256(b)).created()).isFalse();
        assertThat(store().list(prefixOf(k))).hasSize(1);
        assertThat(store().cleanTemporaries(Duration.ZERO)).isZero();
    }

    @Test
    void aWriteClosedWithoutCommitKeepsNothing() throws Exception {
        BlobKey k = key();
        try (BlobWriter w = store().writer(k)) {
            w.write(bytes(LARGE, 4));
        }
        assertThat(store().stat(k)).isEmpty();
        assertThat(store().cleanTemporaries(Duration.ZERO)).isZero();
    }

    @Test
    void anAbandonedWriteIsCleanedUpAndNeverVisible() throws Exception {
        BlobKey k = key();
        BlobWriter w = store().writer(k);
        w.write(bytes(LARGE, 5));
        assertThat(store().stat(k)).isEmpty();
        assertThat(store().list("")).noneMatch(i -> i.key().equals(k));
        assertThat(store().cleanTemporaries(Duration.ZERO)).isPositive();
        w.close();
    }

    @Test
    void largeBlobsRoundTrip() throws Exception {
        byte[] b = bytes(LARGE + 123, 6);
        BlobKey k = key();
        store().put(k, new ByteArrayInputStream(b), Digests.sha256(b));
        try (InputStream in = store().open(k, 0)) {
            assertThat(Digests.sha256(in)).isEqualTo(Digests.sha256(b));
        }
        assertThat(store().cleanTemporaries(Duration.ZERO)).isZero();
    }

    @Test
    void readsFromAnOffset() throws Exception {
        byte[] b = bytes(10_000, 7);
        BlobKey k = key();
        store().put(k, new ByteArrayInputStream(b), Digests.sha256(b));
        try (InputStream in = store().open(k, 9_000)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(b, 9_000, 10_000));
        }
    }

    @Test
    void openingAMissingBlobFails() {
        assertThatThrownBy(() -> store().open(key(), 0).close()).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void concurrentPutsOfTheSameKeyAllSucceedAndStoreItOnce() throws Exception {
        byte[] b = bytes(300_000, 8);
        String sha = Digests.sha256(b);
        BlobKey k = key();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Callable<BlobWriter.Published>> tasks = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                tasks.add(() -> store().put(k, new ByteArrayInputStream(b), sha));
            }
            long created = 0;
            for (Future<BlobWriter.Published> f : pool.invokeAll(tasks)) {
                created += f.get().created() ? 1 : 0;
            }
            assertThat(created).isBetween(1L, 20L);
            assertCreatedOnce(created);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store().list(prefixOf(k))).extracting(i -> new BlobInfo(i.key(), i.size())).containsExactly(new BlobInfo(k, b.length));
        try (InputStream in = store().open(k, 0)) {
            assertThat(Digests.sha256(in)).isEqualTo(sha);
        }
        assertThat(store().cleanTemporaries(Duration.ZERO)).isZero();
    }

    /** Stores that publish with an atomic no-replace primitive report exactly one creation. */
    void assertCreatedOnce(long created) {
    }

    @Test
    void deleteRemovesABlob() throws Exception {
        byte[] b = bytes(10, 9);
        BlobKey k = key();
        store().put(k, new ByteArrayInputStream(b), Digests.sha256(b));
        assertThat(store().delete(k)).isTrue();
        assertThat(store().stat(k)).isEmpty();
        assertThat(store().delete(k)).isFalse();
    }

    @Test
    void keysAreValidated() {
        assertThatThrownBy(() -> BlobKey.of("../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobKey.of("a//b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobKey.of("_uploads/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobKey.of("/abs")).isInstanceOf(IllegalArgumentException.class);
    }

    private static String prefixOf(BlobKey k) {
        return k.path().substring(0, k.path().indexOf("/sha-256"));
    }
}
