package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile archives, crafted byte by byte. Each must be refused with its specific rule
 * by both verify and unpack, with the plain reader and the one with a read-ahead thread, and
 * unpack must leave nothing behind, anywhere.
 */
class HostileArchiveTest {

    /** Absolute-path attacks aim here; it must never appear. */
    private static final String CANARY = "/tmp/extfarm-canary-" + UUID.randomUUID();

    private static final BundleLimits SMALL = BundleLimits.DEFAULT.withMaxEntries(50).withMaxEntrySize(4096).withMaxTotalSize(64 << 10);

    record Case(String title, byte[] tar, RejectionRule rule) {
        @Override
        public String toString() {
            return title;
        }
    }

    static Stream<Arguments> corpus() {
        List<Case> cases = new ArrayList<>();
        byte[] x = "x".getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("absolute path", new RawTar().file(CANARY, x).end().bytes(), RejectionRule.ABSOLUTE_PATH));
        cases.add(new Case("dotdot in the name", new RawTar().file("share/extension/../../../../escape", x).end().bytes(), RejectionRule.DOTDOT));
        cases.add(new Case("dotdot as the whole name", new RawTar().dir("../").end().bytes(), RejectionRule.DOTDOT));
        cases.add(new Case("PAX path with dotdot behind an innocent header name",
                new RawTar().pax("path=lib/../../../escape").file("lib/innocent.so", x).end().bytes(), RejectionRule.DOTDOT));
        cases.add(new Case("PAX path that is absolute",
                new RawTar().pax("path=" + CANARY).file("lib/innocent.so", x).end().bytes(), RejectionRule.ABSOLUTE_PATH));
        cases.add(new Case("GNU long name ending in dotdot",
                new RawTar().header("././@LongLink", 'L', 0644, 30, null).data("lib/aaaa/../../../../escape\0".getBytes(StandardCharsets.UTF_8))
                        .file("lib/innocent.so", x).end().bytes(), RejectionRule.DOTDOT));
        cases.add(new Case("non-canonical empty component", new RawTar().file("lib//x.so", x).end().bytes(), RejectionRule.NON_CANONICAL_PATH));
        cases.add(new Case("non-canonical dot component", new RawTar().file("lib/./x.so", x).end().bytes(), RejectionRule.NON_CANONICAL_PATH));
        cases.add(new Case("symlink escaping with dotdot", new RawTar().symlink("lib/passwd", "../../etc/passwd").end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("symlink to an absolute path", new RawTar().symlink("lib/passwd", "/etc/passwd").end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("symlink chain escaping through another link",
                new RawTar().dir("share/extension/").symlink("lib/d", "../share").symlink("lib/x", "d/../..").end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("symlink then a file written through it",
                new RawTar().dir("share/extension/").symlink("lib/s", "../share/extension").file("lib/s/evil.control", x).end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("symlink loop", new RawTar().symlink("lib/a", "b").symlink("lib/b", "a").end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("dangling symlink", new RawTar().symlink("lib/a.so", "missing.so").end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("PAX linkpath escaping", new RawTar().pax("linkpath=../../../etc/shadow").symlink("lib/a", "ok").end().bytes(), RejectionRule.LINK_ESCAPE));
        cases.add(new Case("hard link", new RawTar().file("lib/a.so", x).header("lib/b.so", '1', 0644, 0, "lib/a.so").end().bytes(), RejectionRule.HARDLINK));
        cases.add(new Case("hard link to an outside path", new RawTar().header("lib/b.so", '1', 0644, 0, "/etc/passwd").end().bytes(), RejectionRule.HARDLINK));
        cases.add(new Case("character device", new RawTar().header("lib/null", '3', 0666, 0, null).end().bytes(), RejectionRule.DEVICE));
        cases.add(new Case("block device", new RawTar().header("lib/sda", '4', 0660, 0, null).end().bytes(), RejectionRule.DEVICE));
        cases.add(new Case("FIFO", new RawTar().header("lib/fifo", '6', 0644, 0, null).end().bytes(), RejectionRule.DEVICE));
        cases.add(new Case("setuid file", new RawTar().file("bin/su", 04755, x).end().bytes(), RejectionRule.SETID));
        cases.add(new Case("setgid directory", new RawTar().header("lib/", '5', 02755, 0, null).end().bytes(), RejectionRule.SETID));
        cases.add(new Case("sticky directory", new RawTar().header("doc/", '5', 01777, 0, null).end().bytes(), RejectionRule.SETID));
        cases.add(new Case("duplicate entry", new RawTar().file("lib/a.so", x).file("lib/a.so", x).end().bytes(), RejectionRule.DUPLICATE));
        cases.add(new Case("duplicate through ./ prefix", new RawTar().file("lib/a.so", x).file("./lib/a.so", x).end().bytes(), RejectionRule.DUPLICATE));
        cases.add(new Case("file where a directory was implied", new RawTar().file("lib/a/b.so", x).file("lib/a", x).end().bytes(), RejectionRule.DUPLICATE));
        cases.add(new Case("path outside the layout", new RawTar().file("etc/cron.d/evil", x).end().bytes(), RejectionRule.LAYOUT));
        cases.add(new Case("share/postgresql is not in the layout", new RawTar().file("share/postgresql/x", x).end().bytes(), RejectionRule.LAYOUT));
        cases.add(new Case("entry over the size limit", new RawTar().file("lib/big.so", new byte[5000]).end().bytes(), RejectionRule.SIZE));
        cases.add(new Case("declared size over the limit, data absent", new RawTar().header("lib/big.so", '0', 0644, 1L << 40, null).end().bytes(), RejectionRule.SIZE));
        RawTar many = new RawTar();
        for (int i = 0; i < 20; i++) {
            many.file("doc/f" + i, new byte[4000]);
        }
        cases.add(new Case("archive over the total size limit", many.end().bytes(), RejectionRule.SIZE));
        RawTar count = new RawTar();
        for (int i = 0; i < 60; i++) {
            count.dir("doc/d" + i + "/");
        }
        cases.add(new Case("more entries than the limit", count.end().bytes(), RejectionRule.COUNT));
        cases.add(new Case("old GNU sparse entry", new RawTar().header("lib/sparse.so", 'S', 0644, 0, null).end().bytes(), RejectionRule.SPARSE));
        cases.add(new Case("PAX sparse keywords", new RawTar().pax("GNU.sparse.size=1000000").file("lib/a.so", x).end().bytes(), RejectionRule.SPARSE));
        cases.add(new Case("unknown entry type", new RawTar().header("lib/z", 'Z', 0644, 0, null).end().bytes(), RejectionRule.UNKNOWN_TYPE));
        cases.add(new Case("contiguous file type", new RawTar().header("lib/c", '7', 0644, 0, null).end().bytes(), RejectionRule.UNKNOWN_TYPE));
        cases.add(new Case("oversized PAX header", new RawTar().header("./PaxHeaders/x", 'x', 0644, 10L << 20, null).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("global PAX header", new RawTar().header("pax_global_header", 'g', 0644, 0, null).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("two PAX headers for one entry", new RawTar().pax("path=lib/a").pax("path=lib/b").file("lib/c", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX header at the end with no entry", new RawTar().pax("path=lib/a").end().bytes(), RejectionRule.PAX));
        cases.add(new Case("malformed PAX record", new RawTar().header("./PaxHeaders/x", 'x', 0644, 12, null)
                .data("99 path=a\n\0\0".getBytes(StandardCharsets.US_ASCII)).file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX extended attributes", new RawTar().pax("SCHILY.xattr.security.capability=x").file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("GNU long name over the limit", new RawTar().header("././@LongLink", 'L', 0644, 100_000, null).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("name not valid UTF-8", new RawTar().header(new byte[]{'l', 'i', 'b', '/', (byte) 0xff, (byte) 0xfe}, '0', 0644, 0, null).end().bytes(), RejectionRule.BAD_NAME));
        cases.add(new Case("control character in a name", new RawTar().file("lib/a\nb.so", x).end().bytes(), RejectionRule.BAD_NAME));
        byte[] negative = new byte[12];
        negative[0] = (byte) 0xff;
        java.util.Arrays.fill(negative, 1, 12, (byte) 0xff);
        cases.add(new Case("negative size (base-256)", new RawTar().header("lib/a".getBytes(StandardCharsets.UTF_8), '0', 0644, 0, null, "ustar\0", "00", negative).end().bytes(), RejectionRule.BAD_HEADER));
        cases.add(new Case("size field not octal", new RawTar().header("lib/a".getBytes(StandardCharsets.UTF_8), '0', 0644, 0, null, "ustar\0", "00", "12345678zzz\0".getBytes(StandardCharsets.US_ASCII)).end().bytes(), RejectionRule.BAD_HEADER));
        cases.add(new Case("PAX size negative", new RawTar().pax("size=-5").file("lib/a", x).end().bytes(), RejectionRule.BAD_HEADER));
        cases.add(new Case("no ustar magic (v7 header)", new RawTar().header("lib/a".getBytes(StandardCharsets.UTF_8), '0', 0644, 0, null, "\0\0\0\0\0\0", "\0\0", null).end().bytes(), RejectionRule.BAD_HEADER));
        cases.add(new Case("directory with a size", new RawTar().header("doc/", '5', 0755, 10, null).data(new byte[10]).end().bytes(), RejectionRule.BAD_HEADER));
        byte[] bad = new RawTar().file("lib/a.so", x).end().bytes();
        bad[0] = 'k';
        cases.add(new Case("header checksum mismatch", bad, RejectionRule.CHECKSUM));
        byte[] whole = new RawTar().file("lib/a.so", new byte[2000]).end().bytes();
        cases.add(new Case("cut inside the data", java.util.Arrays.copyOf(whole, 1200), RejectionRule.TRUNCATED));
        cases.add(new Case("no end-of-archive marker", new RawTar().file("lib/a.so", x).bytes(), RejectionRule.TRUNCATED));
        cases.add(new Case("cut inside a header", java.util.Arrays.copyOf(new RawTar().file("lib/a.so", x).bytes(), 1024 + 100), RejectionRule.TRUNCATED));
        cases.add(new Case("data hidden after the end marker", new RawTar().file("lib/a.so", x).end().raw("#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII)).bytes(), RejectionRule.TRAILING_DATA));
        cases.add(new Case("no manifest", new RawTar().file("share/extension/a.control", x).end().bytes(), RejectionRule.MANIFEST_MISSING));
        cases.add(new Case("manifest not JSON", new RawTar().file("manifest.json", "{nope").end().bytes(), RejectionRule.MANIFEST_INVALID));
        cases.add(new Case("manifest from a newer extfarm", new RawTar().file("manifest.json", "{\"meta_format\": 2}").end().bytes(), RejectionRule.META_FORMAT));
        cases.add(new Case("manifest lists different bytes", withManifest(Map.of("share/extension/a.control", "one"), Map.of("share/extension/a.control", "two")), RejectionRule.MANIFEST_MISMATCH));
        cases.add(new Case("file not in the manifest", withManifest(Map.of("share/extension/a.control", "one"), Map.of("share/extension/a.control", "one", "lib/extra.so", "x")), RejectionRule.MANIFEST_MISMATCH));
        cases.add(new Case("manifest lists a missing file", withManifest(Map.of("share/extension/a.control", "one", "lib/gone.so", "x"), Map.of("share/extension/a.control", "one")), RejectionRule.MANIFEST_MISMATCH));
        // issue 21: extended headers are accepted only in the form the writer writes them
        cases.add(new Case("PAX record with an empty value", new RawTar().pax("path=").file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX record length with a leading zero", new RawTar().paxRaw("013 path=lib/a\n".getBytes(StandardCharsets.US_ASCII))
                .file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX keyword that is not printable ASCII", new RawTar().pax("pa\u00e9th=lib/a").file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("empty PAX header", new RawTar().paxRaw(new byte[0]).file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX comment keyword", new RawTar().pax("comment=hi").file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX vendor keyword", new RawTar().pax("LIBARCHIVE.symlinktype=dir").file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX header followed by a global header", new RawTar().pax("path=lib/a").header("g", 'g', 0644, 0, null)
                .file("lib/a", x).end().bytes(), RejectionRule.PAX));
        cases.add(new Case("two GNU long names for one entry", new RawTar().gnuLong('L', "lib/a").gnuLong('L', "lib/b").file("lib/a", x)
                .end().bytes(), RejectionRule.PAX));
        cases.add(new Case("GNU long name followed by a PAX header", new RawTar().gnuLong('L', "lib/a").pax("path=lib/a").file("lib/a", x)
                .end().bytes(), RejectionRule.PAX));
        cases.add(new Case("PAX size that is not a number", new RawTar().pax("size=1e3").file("lib/a", x).end().bytes(), RejectionRule.BAD_HEADER));
        cases.add(new Case("PAX size over the header's", new RawTar().pax("size=512").file("lib/a", x).end().bytes(), RejectionRule.PAX_MISMATCH));
        cases.add(new Case("PAX gid over the header's", new RawTar().pax("gid=5").file("lib/a", x).end().bytes(), RejectionRule.PAX_MISMATCH));
        cases.add(new Case("PAX gname", new RawTar().pax("gname=wheel").file("lib/a", x).end().bytes(), RejectionRule.PAX_MISMATCH));
        cases.add(new Case("a lone zero block, then a hidden entry", new RawTar().file("lib/a", x).raw(new byte[512]).file("lib/b", x).end().bytes(),
                RejectionRule.TRAILING_DATA));
        cases.add(new Case("group name in the header", new RawTar().file("lib/a", x).set(297, "wheel").end().bytes(), RejectionRule.OWNER));
        cases.add(new Case("gid other than 0", new RawTar().file("lib/a", x).octalField(116, 8, 50).end().bytes(), RejectionRule.OWNER));
        cases.add(new Case("world-writable executable", new RawTar().file("bin/x", 0777, x).end().bytes(), RejectionRule.MODE));
        cases.add(new Case("mode bits above the file type", new RawTar().file("lib/a", x).octalField(100, 8, 01100644).end().bytes(), RejectionRule.MODE));
        cases.add(new Case("manifest.json marked executable", new RawTar().file("manifest.json", 0755, "{}".getBytes(StandardCharsets.UTF_8))
                .end().bytes(), RejectionRule.MODE));
        return cases.stream().map(Arguments::of);
    }

    /** Every case, with the plain reader and with the read-ahead reader (the fetcher's). */
    static Stream<Arguments> corpusForBothReaders() {
        return corpus().flatMap(a -> Stream.of(Arguments.of(a.get()[0], false), Arguments.of(a.get()[0], true)));
    }

    private static BundleReader reader(boolean readAhead) {
        BundleReader r = new BundleReader(SMALL);
        return readAhead ? r.withReadAheadThread() : r;
    }

    /** A structurally fine archive whose manifest lists {@code listed} but which holds {@code actual}. */
    static byte[] withManifest(Map<String, String> listed, Map<String, String> actual) {
        var files = new ArrayList<BundleManifest.FileEntry>();
        new TreeMap<>(listed).forEach((p, c) -> files.add(BundleManifest.FileEntry.file(p, c.length(), Digests.sha256(c.getBytes(StandardCharsets.UTF_8)), false)));
        BundleManifest m = BundleManifest.builder().name("a").version("1.0").pgMajor(17)
                .platform(Platform.parse("debian-13-amd64-glibc")).extensions(List.of("a")).license("MIT").build().withFiles(files);
        RawTar tar = new RawTar().file("manifest.json", m.toJson());
        new TreeMap<>(actual).forEach(tar::file);
        return tar.end().bytes();
    }

    @ParameterizedTest(name = "{0}, read-ahead {1}")
    @MethodSource("corpusForBothReaders")
    void verifyRefusesWithTheSpecificRule(Case c, boolean readAhead) {
        assertThatThrownBy(() -> reader(readAhead).verify(new ByteArrayInputStream(c.tar)))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).as(e.getMessage()).isEqualTo(c.rule));
    }

    @ParameterizedTest(name = "{0}, read-ahead {1}")
    @MethodSource("corpusForBothReaders")
    void unpackRefusesAndNothingIsWrittenAnywhere(Case c, boolean readAhead, @TempDir Path sandbox) throws IOException {
        Path dest = sandbox.resolve("a/b/c/dest");
        Files.createDirectories(dest.getParent());
        assertThatThrownBy(() -> reader(readAhead).unpack(new ByteArrayInputStream(c.tar), dest))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).as(e.getMessage()).isEqualTo(c.rule));
        try (Stream<Path> all = Files.walk(sandbox)) {
            assertThat(all.map(sandbox::relativize).map(Path::toString).sorted())
                    .as("the sandbox holds only the directories made before unpacking")
                    .containsExactly("", "a", "a/b", "a/b/c");
        }
        assertThat(Path.of(CANARY)).doesNotExist();
    }

    @org.junit.jupiter.api.Test
    void theCorpusCoversEnoughDistinctCases() {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(25);
        assertThat(corpus().map(a -> ((Case) a.get()[0]).rule).distinct().count()).isGreaterThanOrEqualTo(20);
    }
}
