package dev.extfarm.worker.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test sources: fixtures under src/test/resources/fixtures packed into tarballs with the system tar. */
final class Sources {

    private Sources() {
    }

    /** Copies fixture {@code name} to {@code work/src/<top>}, lets {@code edit} change it, and tars it. */
    static Path tarball(String name, Path work, String top, Editor edit) throws IOException, InterruptedException {
        Path src = work.resolve("src-" + top);
        Path dir = src.resolve(top);
        Files.createDirectories(dir);
        Path fixture = Path.of("src/test/resources/fixtures", name);
        try (var files = Files.list(fixture)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        edit.apply(dir);
        Path tar = work.resolve(top + ".tar.gz");
        Process p = new ProcessBuilder(List.of("tar", "-C", src.toString(), "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                "-czf", tar.toString(), top)).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("tar failed");
        }
        return tar;
    }

    interface Editor {
        void apply(Path dir) throws IOException;
    }
}
