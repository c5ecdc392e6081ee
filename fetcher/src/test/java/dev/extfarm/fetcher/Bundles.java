package dev.extfarm.fetcher;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Real bundles for tests, packed with the bundle library's deterministic writer. */
final class Bundles {

    static final String PLATFORM = "debian-12-amd64-glibc";

    private final Path dir;
    private final String name;
    private String version = "1.0";
    private final List<String> requires = new ArrayList<>();
    private final List<String> libraries = new ArrayList<>();
    private final List<String> systemLibraries = new ArrayList<>();
    private boolean sharedPreload;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private long padding;
    private final List<String> scripts = new ArrayList<>();
    private final List<String> carried = new ArrayList<>();
    private int extraFiles;
    private int pgMajor = 15;
    private boolean libraryOnly;
    private String platform = PLATFORM;
    private dev.extfarm.bundle.Compatibility compatibility;

    private Bundles(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** An SQL-only extension {@code name}: control + {@code name--1.0.sql} defining {@code name_version()}. */
    static Bundles sql(Path dir, String name) {
        return new Bundles(dir, name);
    }

    Bundles version(String v) {
        version = v;
        return this;
    }

    /** The PostgreSQL major and platform the manifest names (default 15 on {@link #PLATFORM}). */
    Bundles target(int major, String platformName) {
        pgMajor = major;
        platform = platformName;
        return this;
    }

    Bundles requires(String... r) {
        requires.addAll(List.of(r));
        return this;
    }

    Bundles libraries(String... l) {
        libraries.addAll(List.of(l));
        return this;
    }

    Bundles systemLibraries(String... l) {
        systemLibraries.addAll(List.of(l));
        return this;
    }

    /** No control file at all: a library bundle (a preload-only module, an output plugin); list its libraries. */
    Bundles libraryOnly() {
        libraryOnly = true;
        return this;
    }

    Bundles sharedPreload() {
        sharedPreload = true;
        return this;
    }

    /** Also carries extension {@code control} (its control file and script), listed in the manifest's extensions. */
    Bundles carries(String control) {
        carried.add(control);
        return this;
    }

    /** Adds {@code lib/<name>-data.bin}: n incompressible bytes (a large bundle). */
    Bundles padding(long n) {
        padding = n;
        return this;
    }

    /** Adds n small extra SQL files (an install with many renames). */
    Bundles extraFiles(int n) {
        extraFiles = n;
        return this;
    }

    Bundles file(String path, String text) {
        files.put(path, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A file copied from disk now (the source may be deleted before {@link #pack}). */
    Bundles copy(String path, Path from) throws IOException {
        files.put(path, Files.readAllBytes(from));
        return this;
    }

    /** Records these compatibility floors in the manifest. */
    Bundles compatibility(dev.extfarm.bundle.Compatibility floors) {
        compatibility = floors;
        return this;
    }

    /** Also ships the upgrade script from {@code from} to this version. */
    Bundles upgradeFrom(String from) {
        scripts.add(from);
        return this;
    }

    Path pack() throws Exception {
        Path tree = dir.resolve("tree-" + name + "-" + version + "-" + System.nanoTime());
        String ext = "share/extension/";
        boolean hasControl = files.keySet().stream().anyMatch(p -> p.equals(ext + name + ".control"));
        if (!hasControl && !libraryOnly) {
            write(tree.resolve(ext + name + ".control"), "comment = 'test extension " + name + "'\ndefault_version = '" + version
                    + "'\nrelocatable = true\n" + (requires.isEmpty() ? "" : "requires = '" + String.join(", ", requires) + "'\n"));
            write(tree.resolve(ext + name + "--" + version + ".sql"), fn(version));
            for (String from : scripts) {
                write(tree.resolve(ext + name + "--" + from + "--" + version + ".sql"), fn(version).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"));
                write(tree.resolve(ext + name + "--" + from + ".sql"), fn(from));
            }
        }
        for (String c : carried) {
            write(tree.resolve(ext + c + ".control"), "comment = '" + c + " as carried by " + name + "'\ndefault_version = '1.0'\nrelocatable = true\n");
            write(tree.resolve(ext + c + "--1.0.sql"), "CREATE FUNCTION " + c + "_carrier() RETURNS text LANGUAGE sql AS $$ SELECT '" + name + "'::text $$;\n");
        }
        for (var f : files.entrySet()) {
            Files.createDirectories(tree.resolve(f.getKey()).getParent());
            Files.write(tree.resolve(f.getKey()), f.getValue());
        }
        for (int i = 0; i < extraFiles; i++) {
            write(tree.resolve(ext + name + "--extra" + i + ".sql"), "-- extra file " + i + " of " + name + " " + version + "\n");
        }
        if (padding > 0) {
            Path data = tree.resolve("lib/" + name + "-data.bin");
            Files.createDirectories(data.getParent());
            Random r = new Random(name.hashCode() * 31L + version.hashCode());
            byte[] buf = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(data)) {
                for (long left = padding; left > 0; left -= buf.length) {
                    r.nextBytes(buf);
                    out.write(buf, 0, (int) Math.min(buf.length, left));
                }
            }
        }
        BundleManifest m = BundleManifest.builder().name(name).version(version).pgMajor(pgMajor).platform(Platform.parse(platform))
                .defaultVersion(libraryOnly ? null : version).extensions(libraryOnly ? List.of() : extensions(name)).requires(requires).libraries(libraries)
                .sharedPreload(sharedPreload).systemLibraries(systemLibraries).license("PostgreSQL").compatibility(compatibility).build();
        Path out = dir.resolve(name + "-" + version + "-" + System.nanoTime() + ".tar");
        BundleWriter.pack(tree, m, 1_700_000_000L, out);
        return out;
    }

    private List<String> extensions(String main) {
        List<String> out = new ArrayList<>(List.of(main));
        out.addAll(carried);
        return out;
    }

    private String fn(String v) {
        return "CREATE FUNCTION " + name + "_version() RETURNS text LANGUAGE sql AS $$ SELECT '" + v + "'::text $$;\n";
    }

    static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }
}
