package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector's rules on output streams no well-behaved build makes (the real-Docker attacks
 * are in {@link BuildOutputBoundaryTest}): whatever the stream holds, the result is a tree of
 * regular files, directories and links that resolve inside it, or a refusal at {@code collect}
 * naming the entry, with nothing written beside the tree.
 */
class TreeCollectorTest {

    static final String EXT = "install/usr/share/postgresql/15/extension/";
    static final String LIB = "install/usr/lib/postgresql/15/lib/";

    @TempDir
    Path work;

    /** A tar stream built entry by entry, as GNU tar in the export container would write it (or an attacker). */
    static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

        Out() {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
        }

        Out dir(String name) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name + "/");
            e.setMode(040755);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return this;
        }

        Out file(String name, String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(0100644);
            e.setSize(b.length);
            tar.putArchiveEntry(e);
            tar.write(b);
            tar.closeArchiveEntry();
            return this;
        }

        Out special(String name, byte type, String link) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setMode(type == TarConstants.LF_SYMLINK ? 0120777 : 0100644);
            if (link != null) {
                e.setLinkName(link);
            }
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return this;
        }

        Out link(String name, String target) throws IOException {
            return special(name, TarConstants.LF_SYMLINK, target);
        }

        byte[] end() throws IOException {
            tar.finish();
            return bytes.toByteArray();
        }
    }

    /** The start of every output: the four collected names, as directories and a file. */
    static Out base() throws IOException {
        return new Out().dir("install").dir("install/usr").dir("install/usr/share").dir("install/usr/share/postgresql")
                .dir("install/usr/share/postgresql/15").dir(EXT.substring(0, EXT.length() - 1))
                .file(EXT + "hello.control", "module_pathname = '$libdir/hello'\ndefault_version = '1.0'\n")
                .file(EXT + "hello--1.0.sql", "CREATE FUNCTION hello() RETURNS int AS '$libdir/hello' LANGUAGE C;\n");
    }

    TreeCollector.Collected collect(byte[] tar) throws IOException {
        Path tree = work.resolve("tree");
        if (Files.exists(tree)) {
            try (Stream<Path> s = Files.walk(tree)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        TreeCollector c = new TreeCollector("hello", 15, tree, l -> { });
        c.read(new ByteArrayInputStream(tar));
        return c.finish(true);
    }

    void assertRefused(byte[] tar, String cause, String entry) throws IOException {
        List<Path> before = listing(work);
        before.removeIf(p -> p.startsWith(work.resolve("tree")));
        assertThatThrownBy(() -> collect(tar)).isInstanceOfSatisfying(BuildFailure.Exception.class, e -> {
            assertThat(e.failure().step()).isEqualTo(Step.COLLECT);
            assertThat(e.failure().cause()).as(e.getMessage()).isEqualTo(cause);
            assertThat(e.failure().responsibility()).isEqualTo(BuildFailure.Responsibility.RECIPE);
            assertThat(e.failure().message()).as("names the entry").contains(entry);
        });
        List<Path> after = listing(work);
        after.removeIf(p -> p.startsWith(work.resolve("tree")));
        assertThat(after).as("nothing written beside the tree").containsExactlyElementsOf(before);
    }

    static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return new ArrayList<>(s.sorted().toList());
        }
    }

    @Test
    void mapsTheInstallTreeBundledLibrariesLicensesAndLibsTsv() throws Exception {
        byte[] tar = base()
                .dir("install/usr/lib").dir("install/usr/lib/postgresql").dir("install/usr/lib/postgresql/15")
                .dir(LIB.substring(0, LIB.length() - 1)).file(LIB + "hello.so", "ELF")
                .link(LIB + "hello_alias.so", "hello.so")
                .link(EXT + "hello--0.9.sql", "hello--1.0.sql")
                .file("install/usr/share/doc/readme", "not collected")
                .dir("bundled").file("bundled/libfoo.so.1", "ELF foo")
                .dir("licenses").file("licenses/LICENSE", "MIT").dir("licenses/sub").file("licenses/sub/x", "skipped")
                .file("libs.tsv", "system\tlibc.so.6\tinstall/usr/lib/postgresql/15/lib/hello.so\n"
                        + "bundled\tlibfoo.so.1\tinstall/usr/lib/postgresql/15/lib/hello.so\tlibfoo1\t1.2-3+deb12u1\n")
                .end();
        TreeCollector.Collected c = collect(tar);
        Path tree = work.resolve("tree");
        assertThat(tree.resolve("lib/hello.so")).hasContent("ELF");
        assertThat(Files.readSymbolicLink(tree.resolve("lib/hello_alias.so"))).isEqualTo(Path.of("hello.so"));
        assertThat(Files.readSymbolicLink(tree.resolve("share/extension/hello--0.9.sql"))).isEqualTo(Path.of("hello--1.0.sql"));
        assertThat(tree.resolve("share/extension/hello.control")).hasContent("module_pathname = 'hello'\ndefault_version = '1.0'");
        assertThat(tree.resolve("lib/libfoo.so.1")).hasContent("ELF foo");
        assertThat(tree.resolve("licenses/hello/LICENSE")).hasContent("MIT");
        assertThat(tree.resolve("licenses/hello/sub")).doesNotExist();
        assertThat(c.licenseFiles()).containsExactly("licenses/hello/LICENSE");
        assertThat(c.systemLibraries()).containsExactly("libc.so.6");
        assertThat(c.bundledLibraries()).containsExactly("libfoo.so.1");
        assertThat(c.bundled().get(0).debianVersion()).isEqualTo("1.2-3+deb12u1");
    }

    @Test
    void anEmptyOutputCollectsNothing() throws Exception {
        assertThat(collect(new Out().end()).licenseFiles()).isEmpty();
    }

    @Test
    void theCollectedNamesMustNotBeLinks() throws Exception {
        assertRefused(new Out().link("licenses", "/proc/self/cwd/data").end(), "output-escape", "/out/licenses");
        assertRefused(new Out().link("install", "/").end(), "output-escape", "/out/install");
        assertRefused(new Out().link("bundled", "licenses").dir("licenses").end(), "output-escape", "/out/bundled");
        assertRefused(new Out().link("libs.tsv", "/proc/self/cwd/data/admin-token").end(), "output-escape", "/out/libs.tsv");
    }

    @Test
    void fifosDevicesAndHardLinksAreRefusedWhereverTheyAre() throws Exception {
        assertRefused(new Out().special("libs.tsv", TarConstants.LF_FIFO, null).end(), "output-escape", "/out/libs.tsv");
        assertRefused(base().special(EXT + "hello--0.9.sql", TarConstants.LF_FIFO, null).end(), "output-escape", "hello--0.9.sql");
        assertRefused(base().special(EXT + "null.sql", TarConstants.LF_CHR, null).end(), "output-escape", "null.sql");
        assertRefused(base().special(EXT + "copy.sql", TarConstants.LF_LINK, EXT + "hello--1.0.sql").end(), "output-escape", "copy.sql");
        assertRefused(new Out().dir("licenses").special("licenses/LICENSE", TarConstants.LF_FIFO, null).end(), "output-escape", "LICENSE");
    }

    @Test
    void linksMustBeRelativeAndStayInTheOutput() throws Exception {
        assertRefused(base().link(EXT + "evil.sql", "/etc/shadow").end(), "output-escape", EXT + "evil.sql");
        assertRefused(base().link(EXT + "evil.sql", "/proc/self/cwd/data/signing/farm.jwk").end(), "output-escape", "evil.sql");
        assertRefused(base().link(EXT + "evil.sql", "../../../../../../../../etc/shadow").end(), "output-escape", "evil.sql");
        // not collected (outside the layout) and still refused: nothing in the output may point outside it
        assertRefused(base().link("install/usr/share/doc/x", "/etc/passwd").end(), "output-escape", "install/usr/share/doc/x");
        // a link in licenses/ or bundled/, even to a file beside it
        assertRefused(new Out().dir("licenses").file("licenses/A", "a").link("licenses/B", "A").end(), "output-escape", "licenses/B");
        assertRefused(new Out().dir("bundled").link("bundled/libx.so.1", "/lib/x86_64-linux-gnu/libc.so.6").end(), "output-escape", "bundled/libx.so.1");
    }

    @Test
    void aLinkMustStayInsideTheBundleOnceCollected() throws Exception {
        // inside /out/install, but lib/ is two levels below the bundle root: this leaves the bundle
        assertRefused(base().link(LIB + "x.so", "../../../../share/postgresql/15/extension/hello.control").end(),
                "output-escape", "x.so");
        // each link stays inside on its own; through the other one it leaves the bundle
        assertRefused(base().link(EXT + "deep", "../../lib").dir("install/usr/lib").dir("install/usr/lib/postgresql")
                .dir("install/usr/lib/postgresql/15").file(LIB + "hello.so", "ELF")
                .link(LIB + "x", "../share/extension/deep/../..").end(), "output-escape", "x");
        assertRefused(base().link(EXT + "dangling.sql", "nothing-here.sql").end(), "output-escape", "dangling.sql");
        assertRefused(base().link(EXT + "a.sql", "b.sql").link(EXT + "b.sql", "a.sql").end(), "output-escape", ".sql");
    }

    @Test
    void nothingIsWrittenThroughALink() throws Exception {
        // a hostile stream: an entry below a link (tar never writes one)
        assertRefused(base().link(EXT + "sub", "../../../../../../tmp").file(EXT + "sub/x.sql", "x").end(), "output-escape", "sub");
        assertRefused(new Out().link("install", "x").file("install/usr/share/postgresql/15/extension/a.sql", "x").end(),
                "output-escape", "/out/install");
        // two source paths meet in doc/hello/: a link from one, a file below it from the other
        byte[] tar = new Out().dir("install").dir("install/usr").dir("install/usr/share").dir("install/usr/share/doc")
                .dir("install/usr/share/doc/postgresql-doc-15").dir("install/usr/share/doc/postgresql-doc-15/contrib")
                .file("install/usr/share/doc/postgresql-doc-15/contrib/a.txt", "a")
                .link("install/usr/share/doc/postgresql-doc-15/contrib/d", "a.txt")
                .dir("install/usr/share/doc/postgresql-doc-15/extension").dir("install/usr/share/doc/postgresql-doc-15/extension/d")
                .file("install/usr/share/doc/postgresql-doc-15/extension/d/b.txt", "b").end();
        assertRefused(tar, "output-escape", "d/b.txt");
    }

    @Test
    void libsTsvIsCheckedFieldByField() throws Exception {
        assertRefused(new Out().dir("bundled").file("bundled/libfoo.so.1", "x")
                .file("libs.tsv", "bundled\t../../etc/passwd\tf\tp\t1\n").end(), "output-invalid", "libs.tsv line 1");
        assertRefused(new Out().file("libs.tsv", "system\tlib x.so\tf\n").end(), "output-invalid", "libs.tsv line 1");
        assertRefused(new Out().file("libs.tsv", "system\tlibc.so.6\tf\nsystem\tlibc.so.6\tf\textra\n").end(), "output-invalid", "line 2");
        assertRefused(new Out().file("libs.tsv", "bundled\tlibnothere.so.1\tf\tp\t1\n").end(), "output-invalid", "libnothere.so.1");
        assertRefused(new Out().file("libs.tsv", "system\tlibc.so.6\tf\u001b[2J\n").end(), "output-invalid", "libs.tsv line 1");
        assertRefused(new Out().dir("libs.tsv").end(), "output-invalid", "/out/libs.tsv");
        Out big = new Out();
        big.file("libs.tsv", "system\tlibc.so.6\tf\n".repeat(TreeCollector.MAX_LIBS_TSV / 16));
        assertRefused(big.end(), "output-invalid", "libs.tsv");
    }

    @Test
    void namesAndUnexpectedEntriesAreRefused() throws Exception {
        assertRefused(base().file(EXT + "a\nb.sql", "x").end(), "output-invalid", "bad-name");
        assertRefused(new Out().file("secret", "x").end(), "output-invalid", "/out/secret");
        assertRefused(new Out().file("install", "x").end(), "output-invalid", "/out/install");
        assertRefused(new Out().dir("install").dir("install").end(), "output-invalid", "twice");
        assertRefused(new Out().file("../x", "x").end(), "output-escape", "../x");
    }

    @Test
    void aCutStreamIsRefused() throws Exception {
        byte[] tar = base().end();
        byte[] cut = java.util.Arrays.copyOf(tar, 1024 + 100);
        assertRefused(cut, "output-invalid", "the output stream");
    }
}
