package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, item 12: a 50,000-entry archive was unpacked for 7-17 s (10.5 s here) before the
 * entry-count rule fired. Counts and sizes are now enforced before anything is written: from
 * manifest.json, the first entry, and from each header before its data. Each archive here is
 * refused within 5 s, an {@link EntrySink} that records every write sees none (beyond the
 * manifest, where the manifest itself was fine), and unpack leaves the sandbox empty.
 */
class LimitsBeforeWritingTest {

    static final long FAST_MS = 5_000;

    @TempDir
    Path sandbox;

    /** Records what the reader asks to write, and when the first write came. */
    static final class WatchingSink implements EntrySink {
        final List<String> writes = new ArrayList<>();

        @Override
        public void directory(String path) {
            writes.add(path + "/");
        }

        @Override
        public OutputStream file(String path, boolean executable) {
            writes.add(path);
            return OutputStream.nullOutputStream();
        }

        @Override
        public void symlink(String path, String target) {
            writes.add(path + " -> " + target);
        }
    }

    /** A manifest listing {@code count} one-byte files doc/f0.., then those files. */
    static byte[] manyFiles(int count) {
        CraftedBundle b = new CraftedBundle();
        for (int i = 0; i < count; i++) {
            b.lists("doc/f" + i, "x");
        }
        RawTar t = b.tar();
        for (int i = 0; i < count; i++) {
            t.file("doc/f" + i, "x");
        }
        return t.end().bytes();
    }

    private void refusedQuicklyWritingNothingBut(Supplier<InputStream> archive, BundleLimits limits, RejectionRule rule,
                                                 String... allowedWrites) throws IOException {
        for (boolean readAhead : new boolean[] {false, true}) {
            BundleReader reader = readAhead ? new BundleReader(limits).withReadAheadThread() : new BundleReader(limits);
            WatchingSink sink = new WatchingSink();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> reader.read(archive.get(), null, sink))
                    .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).as(e.getMessage()).isEqualTo(rule));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("milliseconds to refuse (read-ahead " + readAhead + ")").isLessThan(FAST_MS);
            assertThat(sink.writes).as("what the reader wrote before refusing").containsExactly(allowedWrites);

            Path dest = sandbox.resolve("dest");
            t0 = System.nanoTime();
            assertThatThrownBy(() -> reader.unpack(archive.get(), dest))
                    .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(rule));
            assertThat((System.nanoTime() - t0) / 1_000_000).as("milliseconds to refuse an unpack").isLessThan(FAST_MS);
            try (Stream<Path> left = Files.list(sandbox)) {
                assertThat(left).as("the destination and its staging directory").isEmpty();
            }
        }
    }

    @Test
    void aManifestListingMoreEntriesThanTheLimitIsRefusedBeforeAnyEntryIsWritten() throws IOException {
        byte[] tar = manyFiles(50_000); // + manifest.json + doc/ = 50,002 entries
        refusedQuicklyWritingNothingBut(() -> new ByteArrayInputStream(tar), BundleLimits.DEFAULT, RejectionRule.COUNT);
    }

    @Test
    void entriesBeyondTheManifestAreNeverWritten() throws IOException {
        // empty directories are not listed in manifest.json: they are made only after the whole archive passed
        RawTar dirs = new CraftedBundle().tar();
        for (int i = 0; i < 50_000; i++) {
            dirs.dir("doc/d" + i + "/");
        }
        byte[] manyDirs = dirs.end().bytes();
        refusedQuicklyWritingNothingBut(() -> new ByteArrayInputStream(manyDirs), BundleLimits.DEFAULT, RejectionRule.COUNT,
                BundleLayout.MANIFEST, CraftedBundle.CONTROL);

        // a file that manifest.json does not list is refused before it is written
        RawTar files = new CraftedBundle().tar();
        for (int i = 0; i < 50_000; i++) {
            files.file("doc/f" + i, "x");
        }
        byte[] manyFiles = files.end().bytes();
        refusedQuicklyWritingNothingBut(() -> new ByteArrayInputStream(manyFiles), BundleLimits.DEFAULT, RejectionRule.MANIFEST_MISMATCH,
                BundleLayout.MANIFEST, CraftedBundle.CONTROL);
    }

    @Test
    void withoutManifestFirstNothingIsWrittenAtAll() throws IOException {
        RawTar t = new RawTar();
        for (int i = 0; i < 50_001; i++) {
            t.file("doc/f" + i, "x");
        }
        byte[] tar = t.end().bytes();
        refusedQuicklyWritingNothingBut(() -> new ByteArrayInputStream(tar), BundleLimits.DEFAULT, RejectionRule.COUNT);
    }

    @Test
    void aManifestListingMoreBytesThanTheLimitIsRefusedBeforeAnyDataIsRead() throws IOException {
        // three files of 1.9 GiB: each under the 2 GiB per-file limit, together over the 4 GiB total
        long big = 1900L << 20;
        CraftedBundle b = new CraftedBundle();
        for (int i = 0; i < 3; i++) {
            b.lists("lib/big" + i + ".so", new byte[0]);
        }
        byte[] manifest = b.manifest();
        String json = new String(manifest, java.nio.charset.StandardCharsets.UTF_8).replace("\"size\" : 0,", "\"size\" : " + big + ",");
        byte[] head = new RawTar().file(BundleLayout.MANIFEST, json).file(CraftedBundle.CONTROL, CraftedBundle.CONTROL_BYTES)
                .header("lib/big0.so", '0', 0644, big, null).bytes();
        refusedQuicklyWritingNothingBut(() -> new SequenceInputStream(new ByteArrayInputStream(head), zeros(big)),
                BundleLimits.DEFAULT, RejectionRule.SIZE);
    }

    @Test
    void aTotalOverTheLimitIsRefusedBeforeTheDataThatWouldCrossIt() throws IOException {
        // the same with small limits, so that the reader before the fix (which wrote the first 40 MiB) can run it too
        BundleLimits limits = BundleLimits.DEFAULT.withMaxEntrySize(48L << 20).withMaxTotalSize(64L << 20);
        long big = 40L << 20;
        String sha = Digests.sha256(new byte[0]);
        CraftedBundle b = new CraftedBundle().lists("lib/a.so", new byte[0]).lists("lib/b.so", new byte[0]);
        String json = new String(b.manifest(), java.nio.charset.StandardCharsets.UTF_8).replace("\"size\" : 0,", "\"size\" : " + big + ",");
        assertThat(json).contains(sha);
        byte[] head = new RawTar().file(BundleLayout.MANIFEST, json).file(CraftedBundle.CONTROL, CraftedBundle.CONTROL_BYTES)
                .header("lib/a.so", '0', 0644, big, null).bytes();
        refusedQuicklyWritingNothingBut(() -> new SequenceInputStream(new ByteArrayInputStream(head), zeros(2 * big)), limits, RejectionRule.SIZE);

        // and headers that declare more than the manifest: refused at the header, before its data
        byte[] lying = new RawTar().file(BundleLayout.MANIFEST, new CraftedBundle().lists("lib/a.so", "x").manifest())
                .file(CraftedBundle.CONTROL, CraftedBundle.CONTROL_BYTES).header("lib/a.so", '0', 0644, big, null).bytes();
        refusedQuicklyWritingNothingBut(() -> new SequenceInputStream(new ByteArrayInputStream(lying), zeros(big)), limits,
                RejectionRule.MANIFEST_MISMATCH, BundleLayout.MANIFEST, CraftedBundle.CONTROL);
    }

    @Test
    void aHeaderDeclaringAHugeSizeIsRefusedAtTheHeader() throws IOException {
        long huge = 077777777777L; // the largest octal size field: 8 GiB - 1
        byte[] head = new RawTar().header("lib/huge.so", '0', 0644, huge, null).bytes();
        refusedQuicklyWritingNothingBut(() -> new SequenceInputStream(new ByteArrayInputStream(head), zeros(huge)),
                BundleLimits.DEFAULT, RejectionRule.SIZE);
    }

    /** {@code n} zero bytes, made as they are read. */
    static InputStream zeros(long n) {
        return new InputStream() {
            long left = n;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int k = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + k, (byte) 0);
                left -= k;
                return k;
            }
        };
    }
}
