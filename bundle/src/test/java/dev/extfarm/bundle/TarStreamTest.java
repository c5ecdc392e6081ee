package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The strict reader's entry-by-entry view for archives that are not bundles (a build's output). */
class TarStreamTest {

    static List<TarStream.Entry> readAll(byte[] tar, BundleLimits limits) throws Exception {
        TarStream s = new TarStream(new ByteArrayInputStream(tar), limits);
        List<TarStream.Entry> out = new ArrayList<>();
        for (TarStream.Entry e; (e = s.next()) != null; ) {
            out.add(e);
        }
        s.finish();
        return out;
    }

    @Test
    void givesCanonicalNamesKindsSizesAndRawLinkTargets() throws Exception {
        byte[] tar = new RawTar().dir("./install/").file("./install/a.sql", 0755, "x".getBytes(StandardCharsets.UTF_8))
                .symlink("install/b", "/etc/passwd").end().bytes();
        assertThat(readAll(tar, BundleLimits.DEFAULT)).containsExactly(
                new TarStream.Entry("install", TarStream.Kind.DIRECTORY, 0, true, null),
                new TarStream.Entry("install/a.sql", TarStream.Kind.FILE, 1, true, null),
                new TarStream.Entry("install/b", TarStream.Kind.SYMLINK, 0, true, "/etc/passwd"));
    }

    @Test
    void readsEachFilesDataAndSkipsWhatIsNotRead() throws Exception {
        byte[] tar = new RawTar().file("a", "first").file("b", "second").end().bytes();
        TarStream s = new TarStream(new ByteArrayInputStream(tar), BundleLimits.DEFAULT);
        assertThat(s.next().path()).isEqualTo("a");
        TarStream.Entry b = s.next();
        byte[] buf = new byte[64];
        int n = s.read(buf, 0, buf.length);
        assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).isEqualTo("second");
        assertThat(s.read(buf, 0, buf.length)).isEqualTo(-1);
        assertThat(b.size()).isEqualTo(6);
        assertThat(s.next()).isNull();
        s.finish();
    }

    @Test
    void refusesHardLinksFifosDevicesAndEscapingNamesWithTheirRule() {
        assertRule(new RawTar().file("a", "x").header("b", '1', 0644, 0, "a").end().bytes(), RejectionRule.HARDLINK);
        assertRule(new RawTar().header("libs.tsv", '6', 0644, 0, null).end().bytes(), RejectionRule.DEVICE);
        assertRule(new RawTar().header("null", '3', 0644, 0, null).end().bytes(), RejectionRule.DEVICE);
        assertRule(new RawTar().file("../x", "x").end().bytes(), RejectionRule.DOTDOT);
        assertRule(new RawTar().file("/etc/x", "x").end().bytes(), RejectionRule.ABSOLUTE_PATH);
        assertRule(new RawTar().file("a\nb", "x").end().bytes(), RejectionRule.BAD_NAME);
        assertRule(new RawTar().file(".", "x").end().bytes(), RejectionRule.NON_CANONICAL_PATH);
    }

    @Test
    void enforcesEntryCountAndTotalSize() {
        RawTar many = new RawTar();
        for (int i = 0; i < 11; i++) {
            many.file("f" + i, "x");
        }
        BundleLimits ten = BundleLimits.DEFAULT.withMaxEntries(10);
        assertThatThrownBy(() -> readAll(many.end().bytes(), ten)).isInstanceOfSatisfying(BundleRejectedException.class,
                e -> assertThat(e.rule()).isEqualTo(RejectionRule.COUNT));
        byte[] big = new RawTar().file("big", new byte[100_000]).end().bytes();
        assertThatThrownBy(() -> readAll(big, BundleLimits.DEFAULT.withMaxTotalSize(50_000)))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).isEqualTo(RejectionRule.SIZE));
    }

    static void assertRule(byte[] tar, RejectionRule rule) {
        assertThatThrownBy(() -> readAll(tar, BundleLimits.DEFAULT)).isInstanceOfSatisfying(BundleRejectedException.class,
                e -> assertThat(e.rule()).as(e.getMessage()).isEqualTo(rule));
    }
}
