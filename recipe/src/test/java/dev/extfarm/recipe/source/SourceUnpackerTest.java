package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceUnpackerTest {

    @TempDir
    Path tmp;

    private final SourceUnpacker unpacker = new SourceUnpacker();

    private Path archive(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(tmp, "archive", ".bin"), bytes);
    }

    private static TestArchive pkg() {
        return new TestArchive()
                .dir("pkg-1.0")
                .file("pkg-1.0/Makefile", "MODULES = pkg\n")
                .file("pkg-1.0/configure", "#!/bin/sh\n", 0755, TestArchive.MTIME + 60)
                .dir("pkg-1.0/sql")
                .file("pkg-1.0/sql/pkg--1.0.sql", "SELECT 1;\n");
    }

    private SourceException unpackFails(byte[] archive) throws IOException {
        Path target = tmp.resolve("out");
        try {
            unpacker.unpack(archive(archive), target, Optional.empty());
        } catch (SourceException e) {
            try (Stream<Path> left = Files.list(target)) {
                assertThat(left).as("nothing is left in the target directory").isEmpty();
            }
            return e;
        }
        throw new AssertionError("the archive was accepted");
    }

    @Test
    void extractsATarGzIntoItsSingleTopLevelDirectory() throws Exception {
        UnpackedSource src = unpacker.unpack(archive(pkg().tarGz()), tmp.resolve("out"), Optional.empty());

        assertThat(src.root()).isEqualTo(tmp.resolve("out"));
        assertThat(src.buildDir()).isEqualTo(tmp.resolve("out/pkg-1.0"));
        assertThat(src.buildDir().resolve("Makefile")).hasContent("MODULES = pkg");
        assertThat(src.buildDir().resolve("sql/pkg--1.0.sql")).exists();
        assertThat(src.newestEntryEpochSecond()).isEqualTo(TestArchive.MTIME + 60);
        assertThat(Files.getLastModifiedTime(src.buildDir().resolve("Makefile")).toInstant().getEpochSecond())
                .isEqualTo(TestArchive.MTIME);
        assertThat(Files.getLastModifiedTime(src.buildDir().resolve("sql")).toInstant().getEpochSecond())
                .isEqualTo(TestArchive.MTIME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(src.buildDir().resolve("configure"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(src.buildDir().resolve("Makefile"))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void readsEveryFormatByContent() throws Exception {
        for (byte[] bytes : new byte[][] {pkg().tarXz(), pkg().tarBz2(), pkg().tar(), pkg().zip()}) {
            Path target = Files.createTempDirectory(tmp, "fmt");
            UnpackedSource src = unpacker.unpack(archive(bytes), target, Optional.empty());
            assertThat(src.buildDir().resolve("Makefile")).hasContent("MODULES = pkg");
            assertThat(src.newestEntryEpochSecond()).isEqualTo(TestArchive.MTIME + 60);
            assertThat(Files.isExecutable(src.buildDir().resolve("configure"))).isTrue();
        }
    }

    @Test
    void subdirChoosesWhereToBuild() throws Exception {
        UnpackedSource src = unpacker.unpack(archive(pkg().tarGz()), tmp.resolve("out"), Optional.of("pkg-1.0/sql"));
        assertThat(src.buildDir()).isEqualTo(tmp.resolve("out/pkg-1.0/sql"));
    }

    @Test
    void aMissingSubdirNamesWhatIsThere() throws Exception {
        SourceException e = unpackFailsWithSubdir(pkg().tarGz(), "pkg-2.0");
        assertThat(e.reason()).isEqualTo(SourceException.Reason.BAD_ARCHIVE);
        assertThat(e).hasMessage("subdir 'pkg-2.0' is not a directory in the archive (top level: pkg-1.0)");
    }

    private SourceException unpackFailsWithSubdir(byte[] archive, String subdir) throws IOException {
        try {
            unpacker.unpack(archive(archive), tmp.resolve("out"), Optional.of(subdir));
        } catch (SourceException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void severalTopLevelEntriesBuildInTheRoot() throws Exception {
        byte[] flat = new TestArchive().file("Makefile", "x").file("pkg.c", "y").tarGz();
        assertThat(unpacker.unpack(archive(flat), tmp.resolve("out"), Optional.empty()).buildDir()).isEqualTo(tmp.resolve("out"));
    }

    @Test
    void refusesDotDot() throws Exception {
        SourceException e = unpackFails(new TestArchive().file("pkg/ok", "x").file("pkg/../../evil", "x").tarGz());
        assertThat(e.reason()).isEqualTo(SourceException.Reason.UNSAFE_ARCHIVE);
        assertThat(e).hasMessage("entry 'pkg/../../evil' contains '..'");
        assertThat(tmp.resolve("evil")).doesNotExist();
    }

    @Test
    void refusesAbsolutePaths() throws Exception {
        SourceException e = unpackFails(new TestArchive().file("/tmp/evil-extfarm", "x").tar());
        assertThat(e.reason()).isEqualTo(SourceException.Reason.UNSAFE_ARCHIVE);
        assertThat(e).hasMessage("entry '/tmp/evil-extfarm' has an absolute path");
    }

    @Test
    void refusesSymlinksLeavingTheTree() throws Exception {
        assertThat(unpackFails(new TestArchive().symlink("pkg/etc", "../../etc").tarGz()))
                .hasMessage("entry 'pkg/etc' is a symbolic link to '../../etc', outside the source directory");
        assertThat(unpackFails(new TestArchive().symlink("pkg/passwd", "/etc/passwd").tarGz()))
                .hasMessage("entry 'pkg/passwd' is a symbolic link to '/etc/passwd'; only relative links inside the source are allowed");
        assertThat(unpackFails(new TestArchive().file("a/x", "x").symlink("a/up", "../../b").zip()).reason())
                .isEqualTo(SourceException.Reason.UNSAFE_ARCHIVE);
    }

    @Test
    void refusesChainsOfLinksThatLeaveTogether() throws Exception {
        // each looks inside on its own: here -> "." and out -> "here/.." ; together out is the parent
        SourceException e = unpackFails(new TestArchive().symlink("here", ".").symlink("out", "here/..").tarGz());
        assertThat(e.reason()).isEqualTo(SourceException.Reason.UNSAFE_ARCHIVE);
        assertThat(e).hasMessage("symbolic link out resolves outside the source directory (through other links)");
    }

    @Test
    void keepsLinksInsideTheTree() throws Exception {
        byte[] bytes = pkg().symlink("pkg-1.0/README", "Makefile").symlink("pkg-1.0/sql/Makefile.link", "../Makefile")
                .hardlink("pkg-1.0/Makefile.copy", "pkg-1.0/Makefile").tarGz();
        UnpackedSource src = unpacker.unpack(archive(bytes), tmp.resolve("out"), Optional.empty());
        assertThat(Files.readSymbolicLink(src.buildDir().resolve("README"))).isEqualTo(Path.of("Makefile"));
        assertThat(src.buildDir().resolve("sql/Makefile.link")).hasContent("MODULES = pkg");
        assertThat(Files.isSymbolicLink(src.buildDir().resolve("Makefile.copy"))).isFalse();
        assertThat(src.buildDir().resolve("Makefile.copy")).hasContent("MODULES = pkg");
    }

    @Test
    void refusesHardLinksToAnythingButAnExtractedFile() throws Exception {
        assertThat(unpackFails(new TestArchive().hardlink("pkg/passwd", "/etc/passwd").tar()))
                .hasMessage("entry '/etc/passwd' has an absolute path");
        assertThat(unpackFails(new TestArchive().hardlink("pkg/x", "pkg/later").file("pkg/later", "x").tar()))
                .hasMessage("entry 'pkg/x' is a hard link to 'pkg/later', which is not a file extracted before it");
    }

    @Test
    void refusesDevices() throws Exception {
        SourceException e = unpackFails(new TestArchive().file("pkg/a", "x").charDevice("pkg/null").tar());
        assertThat(e.reason()).isEqualTo(SourceException.Reason.UNSAFE_ARCHIVE);
        assertThat(e).hasMessageContaining("is a character device");
    }

    @Test
    void dropsSetuidBits() throws Exception {
        byte[] bytes = new TestArchive().file("pkg/suid", "x", 04755).file("pkg/sgid", "x", 02644).tarGz();
        UnpackedSource src = unpacker.unpack(archive(bytes), tmp.resolve("out"), Optional.empty());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(src.buildDir().resolve("suid")))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(src.buildDir().resolve("sgid")))).isEqualTo("rw-r--r--");
    }

    @Test
    void refusesWhatIsNotAnArchive() throws Exception {
        SourceException e = unpackFails("just text".getBytes());
        assertThat(e.reason()).isEqualTo(SourceException.Reason.BAD_ARCHIVE);
        assertThat(e).hasMessageEndingWith("is not a tar (gzip, xz, bzip2) or zip archive");
        byte[] truncated = java.util.Arrays.copyOf(pkg().tarGz(), 60);
        assertThat(unpackFails(truncated).reason()).isEqualTo(SourceException.Reason.BAD_ARCHIVE);
    }

    @Test
    void enforcesLimits() throws Exception {
        SourceUnpacker small = new SourceUnpacker(new SourceUnpacker.Limits(3, 1 << 20));
        assertThatThrownBy(() -> small.unpack(archive(pkg().tarGz()), tmp.resolve("a"), Optional.empty()))
                .isInstanceOf(SourceException.class).hasMessageEndingWith("has more than 3 entries");
        SourceUnpacker tiny = new SourceUnpacker(new SourceUnpacker.Limits(100, 10));
        assertThatThrownBy(() -> tiny.unpack(archive(pkg().tarGz()), tmp.resolve("b"), Optional.empty()))
                .isInstanceOf(SourceException.class).hasMessageEndingWith("unpacks to more than 10 bytes");
        assertThat(tmp.resolve("b")).isEmptyDirectory();
    }

    @Test
    void needsAnEmptyTarget() throws Exception {
        Files.createDirectories(tmp.resolve("out"));
        Files.writeString(tmp.resolve("out/old"), "x");
        assertThatThrownBy(() -> unpacker.unpack(archive(pkg().tarGz()), tmp.resolve("out"), Optional.empty()))
                .isInstanceOf(DirectoryNotEmptyException.class);
        assertThat(Files.exists(tmp.resolve("out/old"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
