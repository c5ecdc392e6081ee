package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @TempDir
    Path tmp;

    @Test
    void aNestedTreeIsGoneAndAnAbsentPathIsFine() throws Exception {
        Path root = tmp.resolve("tree");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/b/c/file"), "x");
        Files.writeString(root.resolve("top"), "y");

        FileTrees.deleteRecursively(root);
        FileTrees.deleteRecursively(root);

        assertThat(root).doesNotExist();
        assertThat(tmp).exists();
    }

    @Test
    void linksInsideTheTreeAreRemovedAndTheirTargetsOutsideAreNotTouched() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "keep me");
        Path root = Files.createDirectories(tmp.resolve("tree"));
        Files.createSymbolicLink(root.resolve("dir-link"), outside);
        Files.createSymbolicLink(root.resolve("file-link"), outside.resolve("secret"));
        Files.createLink(root.resolve("hard-link"), outside.resolve("secret"));

        FileTrees.deleteRecursively(root);

        assertThat(root).doesNotExist();
        assertThat(outside.resolve("secret")).hasContent("keep me");
    }

    @Test
    void aLinkGivenAsTheRootIsDeletedNotItsTarget() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("file"), "keep me");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);

        FileTrees.deleteRecursively(link);

        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(outside.resolve("file")).hasContent("keep me");
    }

    @Test
    void directoriesABuildMadeReadOnlyOrUnreadableAreDeletedToo() throws Exception {
        Path root = tmp.resolve("tree");
        Path ro = Files.createDirectories(root.resolve("pkg/mod/example@v1"));
        Files.writeString(ro.resolve("go.mod"), "module example");
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("pkg/mod"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Path closed = Files.createDirectories(root.resolve("closed/inner"));
        Files.writeString(closed.resolve("f"), "z");
        Files.setPosixFilePermissions(root.resolve("closed"), PosixFilePermissions.fromString("---------"));

        FileTrees.deleteRecursively(root);

        assertThat(root).doesNotExist();
    }
}
