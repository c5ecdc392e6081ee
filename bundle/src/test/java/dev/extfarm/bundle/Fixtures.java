package dev.extfarm.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small real bundle trees for tests. */
final class Fixtures {

    private Fixtures() {
    }

    static BundleManifest manifest(String name) {
        return BundleManifest.builder()
                .name(name).version("1.0.0").pgMajor(17)
                .platform(Platform.parse("debian-13-amd64-glibc"))
                .defaultVersion("1.0").extensions(List.of(name)).libraries(List.of(name))
                .license("PostgreSQL")
                .build();
    }

    /** share/extension/<name>.control + SQL, a fake lib/<name>.so (ELF magic), a doc file. */
    static Path tree(Path dir, String name) throws IOException {
        write(dir.resolve("share/extension/" + name + ".control"),
                "comment = 'test extension'\ndefault_version = '1.0'\nmodule_pathname = '" + name + "'\nrelocatable = true\n");
        write(dir.resolve("share/extension/" + name + "--1.0.sql"), "CREATE FUNCTION " + name + "_hello() RETURNS text AS 'SELECT 1' LANGUAGE sql;\n");
        Path so = dir.resolve("lib/" + name + ".so");
        Files.createDirectories(so.getParent());
        Files.write(so, new byte[]{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        write(dir.resolve("doc/" + name + "/README.md"), "# " + name + "\n");
        return dir;
    }

    static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    /** A valid packed bundle's bytes. */
    static byte[] packed(Path scratch, String name) throws Exception {
        Path tree = tree(scratch.resolve("tree-" + name), name);
        Path out = scratch.resolve(name + ".tar");
        BundleWriter.pack(tree, manifest(name), 0, out);
        return Files.readAllBytes(out);
    }
}
