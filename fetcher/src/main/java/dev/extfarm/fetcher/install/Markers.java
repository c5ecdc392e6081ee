package dev.extfarm.fetcher.install;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Installed markers, the PostgreSQL-side module's one test of "is this extension whole on disk":
 * <pre>
 * &lt;marker dir&gt;/&lt;extension&gt;.installed            one per control name the bundle carries
 * &lt;marker dir&gt;/libraries/&lt;module&gt;.installed    one per library (module name without .so)
 * </pre>
 * Each holds {@code {"bundle":…,"version":…,"sha256":…}}. Written (atomically) only after every
 * file of the bundle is in place; removed before any file of an installed bundle is replaced.
 */
public final class Markers {

    private final Path dir;

    public Markers(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path extension(String control) {
        return dir.resolve(control + ".installed");
    }

    public Path library(String module) {
        return dir.resolve("libraries").resolve(module + ".installed");
    }

    public void write(InstalledRecord r) throws IOException {
        DurableBatch.writeAll(files(r));
    }

    /** The marker files of an installed bundle and their bytes: one per library, then one per control name. */
    Map<Path, byte[]> files(InstalledRecord r) throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("bundle", r.name());
        body.put("version", r.version());
        body.put("sha256", r.sha256());
        byte[] bytes = (NodeState.json().writer().withoutFeatures(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
        Map<Path, byte[]> out = new LinkedHashMap<>();
        for (String c : r.libraries()) {
            out.put(library(c), bytes);
        }
        for (String c : r.controls()) {
            out.put(extension(c), bytes);
        }
        return out;
    }

    public void remove(InstalledRecord r) throws IOException {
        for (String c : r.controls()) {
            Files.deleteIfExists(extension(c));
        }
        for (String c : r.libraries()) {
            Files.deleteIfExists(library(c));
        }
        if (Files.isDirectory(dir)) {
            AtomicFiles.syncDir(dir);
        }
    }

    public boolean present(InstalledRecord r) {
        return r.controls().stream().allMatch(c -> Files.exists(extension(c)))
                && r.libraries().stream().allMatch(l -> Files.exists(library(l)));
    }
}
