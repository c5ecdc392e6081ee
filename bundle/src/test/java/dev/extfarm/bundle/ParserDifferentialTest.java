package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 21, item 6: bytes that two tar readers read as two different trees. Each case is a
 * complete bundle whose manifest lists what a PAX-aware reader sees, so the reader before the
 * fix accepted it (and the registry served, signed and used it as an OCI layer); now each is
 * refused with its rule, by verify and by unpack, with and without the read-ahead thread.
 */
class ParserDifferentialTest {

    static final byte[] X = "x".getBytes(StandardCharsets.UTF_8);

    record Case(String title, byte[] tar, RejectionRule rule) {
        @Override
        public String toString() {
            return title;
        }
    }

    /** A header "../../escape" with 4 bytes, as the data of another entry: what a header-trusting reader would see. */
    static byte[] hiddenEntry() {
        return new RawTar().header("../../escape", '0', 0644, 4, null).data("evil".getBytes(StandardCharsets.UTF_8)).bytes();
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        byte[] hidden = hiddenEntry();
        c.add(new Case("PAX size larger than the header's (a ../ entry hides in the data)",
                new CraftedBundle().lists("doc/a", hidden).tar().pax("size=" + hidden.length)
                        .header("doc/a", '0', 0644, 0, null).raw(hidden).end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("PAX path over a ../ header name",
                new CraftedBundle().lists("doc/a", X).tar().pax("path=doc/a").file("../../escape", X).end().bytes(), RejectionRule.PAX_MISMATCH));
        String longName = "doc/" + "a".repeat(120);
        c.add(new Case("PAX long path whose header name is not its first 100 bytes",
                new CraftedBundle().lists(longName, X).tar().pax("path=" + longName).file("doc/other", X).end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("GNU long name over a ../ header name",
                new CraftedBundle().lists(longName, X).tar().gnuLong('L', longName).file("../../escape", X).end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("PAX linkpath over an absolute header link name",
                new CraftedBundle().lists("doc/a", X).listsLink("doc/l", "a").tar().file("doc/a", X)
                        .pax("linkpath=a").symlink("doc/l", "/etc/passwd").end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("GNU long link over an absolute header link name",
                new CraftedBundle().lists("doc/a", X).listsLink("doc/l", "a").tar().file("doc/a", X)
                        .gnuLong('K', "a").symlink("doc/l", "/etc/passwd").end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("PAX uid other than the header's",
                new CraftedBundle().lists("doc/a", X).tar().pax("uid=1000").file("doc/a", X).end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("PAX uname other than the header's",
                new CraftedBundle().lists("doc/a", X).tar().pax("uname=postgres").file("doc/a", X).end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("PAX mtime other than the header's",
                new CraftedBundle().lists("doc/a", X).tar().pax("mtime=1234").file("doc/a", X).end().bytes(), RejectionRule.PAX_MISMATCH));
        c.add(new Case("PAX path twice (first-wins and last-wins readers differ)",
                new CraftedBundle().lists("doc/a", X).tar().pax("path=doc/x", "path=doc/a").file("doc/a", X).end().bytes(), RejectionRule.PAX));
        c.add(new Case("PAX hdrcharset=BINARY (names decoded differently)",
                new CraftedBundle().lists("doc/a", X).tar().pax("hdrcharset=BINARY").file("doc/a", X).end().bytes(), RejectionRule.PAX));
        c.add(new Case("PAX SCHILY.filetype (star reads another type)",
                new CraftedBundle().lists("doc/a", X).tar().pax("SCHILY.filetype=socket").file("doc/a", X).end().bytes(), RejectionRule.PAX));
        c.add(new Case("PAX atime (not written by the bundle writer)",
                new CraftedBundle().lists("doc/a", X).tar().pax("atime=1").file("doc/a", X).end().bytes(), RejectionRule.PAX));
        c.add(new Case("PAX header and GNU long name for one entry",
                new CraftedBundle().lists(longName, X).tar().pax("path=" + longName).gnuLong('L', longName).file(longName.substring(0, 100), X)
                        .end().bytes(), RejectionRule.PAX));
        c.add(new Case("ustar prefix field (GNU-format and prefix-blind readers see another name)",
                new CraftedBundle().lists("doc/a", X).tar().file("a", X).set(345, "doc").end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("GNU header with an atime in the extension area",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).set(257, "ustar  \0").set(345, "14000000000").end().bytes(),
                RejectionRule.BAD_HEADER));
        c.add(new Case("POSIX magic with a version other than 00",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).set(263, "  ").end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("base-256 size (readers without GNU numbers differ)",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).edit(h -> {
                    Arrays.fill(h, 124, 136, (byte) 0);
                    h[124] = (byte) 0x80;
                    h[135] = 1;
                }).end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("signed header checksum",
                new CraftedBundle().lists("doc/é", X).tar().pax("path=doc/é").file("doc/é", X).signedChecksum().end().bytes(), RejectionRule.CHECKSUM));
        c.add(new Case("bytes hidden after the NUL that ends the name",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).set(50, "../../escape").end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("non-zero bytes in the padding after the data",
                new CraftedBundle().lists("doc/a", X).tar().header("doc/a", '0', 0644, 1, null)
                        .raw(paddedWithGarbage(X)).end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("pre-POSIX regular file type NUL",
                new CraftedBundle().lists("doc/a", X).tar().header("doc/a", '\0', 0644, 1, null).data(X).end().bytes(), RejectionRule.UNKNOWN_TYPE));
        c.add(new Case("device numbers on a regular file",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).octalField(329, 8, 8).end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("a regular file with a link name",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).set(157, "/etc/passwd").end().bytes(), RejectionRule.BAD_HEADER));
        c.add(new Case("a symbolic link whose name ends with /",
                new CraftedBundle().lists("doc/a", X).listsLink("doc/l", "a").tar().file("doc/a", X).symlink("doc/l/", "a").end().bytes(),
                RejectionRule.BAD_HEADER));
        c.add(new Case("a lone zero block as the end marker",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).raw(new byte[512]).bytes(), RejectionRule.TRUNCATED));
        c.add(new Case("owner named in the header (GNU tar as root prefers the name)",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).set(265, "postgres").end().bytes(), RejectionRule.OWNER));
        c.add(new Case("owner uid other than 0",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", X).octalField(108, 8, 1000).end().bytes(), RejectionRule.OWNER));
        c.add(new Case("world-writable file",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", 0666, X).end().bytes(), RejectionRule.MODE));
        c.add(new Case("group-writable file",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", 0664, X).end().bytes(), RejectionRule.MODE));
        c.add(new Case("world-writable directory",
                new CraftedBundle().lists("doc/a", X).tar().header("doc/", '5', 0777, 0, null).file("doc/a", X).end().bytes(), RejectionRule.MODE));
        c.add(new Case("unreadable file (0200)",
                new CraftedBundle().lists("doc/a", X).tar().file("doc/a", 0200, X).end().bytes(), RejectionRule.MODE));
        byte[] manifest = new CraftedBundle().lists("doc/a", X).manifest();
        byte[] twoNames = new String(manifest, StandardCharsets.UTF_8).replaceFirst("\\{", "{ \"name\" : \"evil\",").getBytes(StandardCharsets.UTF_8);
        c.add(new Case("manifest.json with a repeated key (first-wins JSON parsers see another bundle)",
                new RawTar().file(BundleLayout.MANIFEST, twoNames).file(CraftedBundle.CONTROL, CraftedBundle.CONTROL_BYTES).file("doc/a", X)
                        .end().bytes(), RejectionRule.MANIFEST_INVALID));
        byte[] trailing = (new String(manifest, StandardCharsets.UTF_8) + "{\"name\":\"evil\"}").getBytes(StandardCharsets.UTF_8);
        c.add(new Case("manifest.json with a second JSON value after it",
                new RawTar().file(BundleLayout.MANIFEST, trailing).file(CraftedBundle.CONTROL, CraftedBundle.CONTROL_BYTES).file("doc/a", X)
                        .end().bytes(), RejectionRule.MANIFEST_INVALID));
        c.add(new Case("manifest.json not the first entry",
                new RawTar().file(CraftedBundle.CONTROL, CraftedBundle.CONTROL_BYTES).file(BundleLayout.MANIFEST, new CraftedBundle().manifest())
                        .end().bytes(), RejectionRule.MANIFEST_MISSING));
        return c.stream();
    }

    private static byte[] paddedWithGarbage(byte[] data) {
        byte[] block = new byte[512];
        System.arraycopy(data, 0, block, 0, data.length);
        block[300] = 'X';
        return block;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithItsRuleByEveryReadingPathAndNothingIsWritten(Case c, @TempDir Path sandbox) throws IOException {
        for (boolean readAhead : new boolean[] {false, true}) {
            BundleReader reader = readAhead ? BundleReader.withDefaults().withReadAheadThread() : BundleReader.withDefaults();
            assertThatThrownBy(() -> reader.verify(new ByteArrayInputStream(c.tar)))
                    .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).as(e.getMessage()).isEqualTo(c.rule));
            Path dest = sandbox.resolve("dest");
            assertThatThrownBy(() -> reader.unpack(new ByteArrayInputStream(c.tar), dest))
                    .isInstanceOfSatisfying(BundleRejectedException.class, e -> assertThat(e.rule()).as(e.getMessage()).isEqualTo(c.rule));
            try (Stream<Path> left = Files.list(sandbox)) {
                assertThat(left).isEmpty();
            }
        }
    }

    @Test
    void withoutItsTrickEachCraftedBundleIsAccepted() throws Exception {
        byte[] plain = new CraftedBundle().lists("doc/a", X).listsLink("doc/l", "a").tar().file("doc/a", X).symlink("doc/l", "a").end().bytes();
        assertThat(BundleReader.withDefaults().verify(new ByteArrayInputStream(plain)).manifest().files()).hasSize(3);
        // extended headers that only restate the header, as a PAX writer may, are no ambiguity
        String longName = "doc/" + "é".repeat(60);
        byte[] restating = new CraftedBundle().lists(longName, X).tar().pax("path=" + longName, "size=1", "uid=0", "mtime=0")
                .file(new String(Arrays.copyOf(longName.getBytes(StandardCharsets.UTF_8), 100), StandardCharsets.ISO_8859_1), X)
                .edit(h -> System.arraycopy(longName.getBytes(StandardCharsets.UTF_8), 0, h, 0, 100)).end().bytes();
        assertThat(BundleReader.withDefaults().verify(new ByteArrayInputStream(restating)).manifest().files())
                .extracting(BundleManifest.FileEntry::path).contains(longName);
    }

    @Test
    void thePaxSizeAttackShowsTwoTreesToTwoReaders() throws Exception {
        byte[] hidden = hiddenEntry();
        byte[] tar = new CraftedBundle().lists("doc/a", hidden).tar().pax("size=" + hidden.length)
                .header("doc/a", '0', 0644, 0, null).raw(hidden).end().bytes();
        assertThat(OtherTarReaders.commonsCompress(tar)).containsExactly("manifest.json", CraftedBundle.CONTROL, "doc/a");
        assertThat(OtherTarReaders.headersOnly(tar)).containsExactly("manifest.json", CraftedBundle.CONTROL, "doc/a", "../../escape");
        assertThatThrownBy(() -> BundleReader.withDefaults().verify(new ByteArrayInputStream(tar)))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> {
                    assertThat(e.rule()).isEqualTo(RejectionRule.PAX_MISMATCH);
                    assertThat(e.getMessage()).contains("size " + hidden.length).contains("says 0");
                });
    }

    @Test
    void theWritersOwnLongAndNonAsciiNamesAndLinksAreAccepted(@TempDir Path tmp) throws Exception {
        Path tree = Fixtures.tree(tmp.resolve("t"), "hello");
        String longDir = "doc/" + "d".repeat(90) + "/" + "é".repeat(40);
        Fixtures.write(tree.resolve(longDir + "/file.txt"), "x");
        Files.createSymbolicLink(tree.resolve("doc/link"), Path.of(longDir.substring(4) + "/file.txt"));
        Path out = tmp.resolve("b.tar");
        BundleWriter.Packed packed = BundleWriter.pack(tree, Fixtures.manifest("hello"), 0, out);
        byte[] bytes = Files.readAllBytes(out);
        assertThat(BundleReader.withDefaults().verify(new ByteArrayInputStream(bytes)).manifest()).isEqualTo(packed.manifest());
        assertThat(OtherTarReaders.commonsCompress(bytes)).contains(longDir + "/file.txt", "doc/link -> " + longDir.substring(4) + "/file.txt");
    }
}
