package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** File-by-file comparison of two trees: names, kinds, bytes, executable bits, link targets. */
final class TreeAssertions {

    private TreeAssertions() {
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        assertThat(describe(actual)).isEqualTo(describe(expected));
    }

    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty() || rel.equals("manifest.json")) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir");
                } else {
                    boolean exec = BundleWriter.isExecutable(p);
                    out.put(rel, "file " + Digests.sha256(p) + (exec ? " x" : ""));
                    if (!root.toString().contains("tree")) {
                        assertThat(Files.getPosixFilePermissions(p)).contains(PosixFilePermission.OWNER_READ);
                    }
                }
            }
        }
        return out;
    }
}
