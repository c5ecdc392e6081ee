package dev.extfarm.registry.support;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Real bundles, packed with the bundle library, and hostile ones, crafted entry by entry. */
public final class Bundles {

    public static final String PLATFORM = "debian-12-amd64-glibc";

    /** A packed bundle and where it belongs. */
    public record Bundle(String name, String version, int pg, byte[] bytes, String sha256) {
        public String path() {
            return "/extensions/" + name + "/sha-256+" + sha256 + "/bundle.tar";
        }

        public String controlPath() {
            return "/extensions/" + name + "/sha-256+" + sha256 + "/" + name + ".control";
        }

        /** The path of other bytes: a digest that is not this bundle's. */
        public String wrongPath() {
            return "/extensions/" + name + "/sha-256+" + Digests.sha256(new byte[] {42}) + "/bundle.tar";
        }
    }

    private Bundles() {
    }

    public static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    public static Bundle bundle(String name, String version, int pg) {
        return bundle(name, version, pg, 1000);
    }

    public static Bundle bundle(String name, String version, int pg, int libBytes) {
        return bundle(name, version, pg, libBytes, List.of());
    }

    /** A bundle that also carries these update scripts ({@code "1.0--1.1"} → {@code share/extension/<name>--1.0--1.1.sql}). */
    public static Bundle withUpdates(String name, String version, int pg, String... updates) {
        return bundle(name, version, pg, 1000, List.of(updates));
    }

    private static Bundle bundle(String name, String version, int pg, int libBytes, List<String> updates) {
        try {
            Path tree = Files.createTempDirectory("bundle-tree");
            Path ext = Files.createDirectories(tree.resolve("share/extension"));
            for (String u : updates) {
                Files.writeString(ext.resolve(name + "--" + u + ".sql"), "-- update " + u + "\n");
            }
            Files.writeString(ext.resolve(name + ".control"), "comment = 'the " + name + " test extension'\n"
                    + "default_version = '" + version + "'\nmodule_pathname = '$libdir/" + name + "'\nrelocatable = true\n");
            Files.writeString(ext.resolve(name + "--" + version + ".sql"), "CREATE FUNCTION hello() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n");
            Path lib = Files.createDirectories(tree.resolve("lib"));
            byte[] so = new byte[libBytes];
            new java.util.Random(name.hashCode() + version.hashCode() + pg).nextBytes(so);
            Files.write(lib.resolve(name + ".so"), so);
            BundleManifest m = manifest(name, version, pg);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            var packed = BundleWriter.pack(tree, m, 1_700_000_000L, out);
            return new Bundle(name, version, pg, out.toByteArray(), packed.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static BundleManifest manifest(String name, String version, int pg) {
        return BundleManifest.builder().name(name).version(version).pgMajor(pg).platform(Platform.parse(PLATFORM))
                .defaultVersion(version).extensions(List.of(name)).libraries(List.of(name))
                .systemLibraries(List.of("libc.so.6")).license("PostgreSQL").build();
    }

    /**
     * A bundle packed from the standard tree of {@code name} (control, SQL script, {@code lib/<name>.so})
     * plus what the caller adds: more control files (listed), libraries (listed modules), any files.
     */
    public static Custom custom(String name) {
        return new Custom(name);
    }

    /** See {@link #custom}. */
    public static final class Custom {
        private final String name;
        private String version = "1.0";
        private int pg = 17;
        private final java.util.List<String> extensions = new java.util.ArrayList<>();
        private final java.util.List<String> libraries = new java.util.ArrayList<>();
        private final java.util.List<String> bundled = new java.util.ArrayList<>();
        private final java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();

        private Custom(String name) {
            this.name = name;
            control(name);
            library(name);
        }

        public Custom version(String v) {
            version = v;
            return this;
        }

        public Custom pg(int major) {
            pg = major;
            return this;
        }

        /** {@code share/extension/<control>.control} and its install script, listed in {@code extensions}. */
        public Custom control(String control) {
            extensions.add(control);
            file("share/extension/" + control + ".control", "comment = 'the " + control + " test extension'\ndefault_version = '1.0'\n");
            return file("share/extension/" + control + "--1.0.sql", "SELECT 1;\n");
        }

        /** {@code lib/<module>.so}, listed in {@code libraries}. */
        public Custom library(String module) {
            libraries.add(module);
            byte[] so = new byte[256];
            new java.util.Random(name.hashCode() * 31L + module.hashCode()).nextBytes(so);
            files.put("lib/" + module + ".so", so);
            return this;
        }

        /** A file listed in {@code bundled_libraries} (a dependency, not a module). */
        public Custom bundledLibrary(String file) {
            bundled.add(file);
            return file("lib/" + file, "bundled " + file);
        }

        public Custom file(String path, String text) {
            files.put(path, text.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public Custom withoutFile(String path) {
            files.remove(path);
            return this;
        }

        /** No control file at all: a library bundle (a preload-only module, an output plugin). */
        public Custom withoutControls() {
            for (String c : extensions) {
                files.remove("share/extension/" + c + ".control");
                files.remove("share/extension/" + c + "--1.0.sql");
            }
            extensions.clear();
            return this;
        }

        public Custom unlistedLibrary(String module) {
            library(module);
            libraries.remove(module);
            return this;
        }

        public Bundle bundle() {
            try {
                Path tree = Files.createTempDirectory("bundle-tree");
                for (var f : files.entrySet()) {
                    Path p = tree.resolve(f.getKey());
                    Files.createDirectories(p.getParent());
                    Files.write(p, f.getValue());
                }
                BundleManifest m = BundleManifest.builder().name(name).version(version).pgMajor(pg).platform(Platform.parse(PLATFORM))
                        .defaultVersion("1.0").extensions(extensions).libraries(libraries).bundledLibraries(bundled)
                        .systemLibraries(List.of("libc.so.6")).license("PostgreSQL").build();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                var packed = BundleWriter.pack(tree, m, 1_700_000_000L, out);
                return new Bundle(name, version, pg, out.toByteArray(), packed.sha256());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * A tar (crafted, not packed: the writer refuses it) carrying {@code share/extension/<control>.control}
     * in its manifest's files but not in its extensions; with {@code listed}, in its extensions too.
     */
    public static Bundle unlistedControl(String name, String control, boolean listed) {
        byte[] main = ("comment = 'main'\ndefault_version = '1.0'\n").getBytes(StandardCharsets.UTF_8);
        byte[] other = "comment = 'smuggled'\n".getBytes(StandardCharsets.UTF_8);
        String mainPath = "share/extension/" + name + ".control";
        String otherPath = "share/extension/" + control + ".control";
        BundleManifest base = manifest(name, "1.0", 17);
        BundleManifest m = new BundleManifest(1, name, "1.0", 17, base.platform(), "1.0",
                listed ? List.of(name, control) : List.of(name), List.of(), List.of(), false, false, List.of(), List.of("libc.so.6"),
                "PostgreSQL", List.of(), null, null, List.of(
                BundleManifest.FileEntry.file(mainPath, main.length, Digests.sha256(main), false),
                BundleManifest.FileEntry.file(otherPath, other.length, Digests.sha256(other), false)));
        return raw(name, m, tar -> {
            file(tar, mainPath, main);
            file(tar, otherPath, other);
        });
    }

    /** A tar whose symlink leaves the tree: rejected with rule link-escape. */
    public static Bundle linkEscape(String name) {
        return raw(name, tar -> {
            TarArchiveEntry link = new TarArchiveEntry("lib/evil.so", TarConstants.LF_SYMLINK);
            link.setLinkName("../../../../etc/passwd");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        });
    }

    /** A tar whose manifest lists a file that is not there: rejected with rule manifest-mismatch. */
    public static Bundle manifestMismatch(String name) {
        String fake = "0".repeat(64);
        var m = manifest(name, "1.0", 17).withFiles(List.of(
                BundleManifest.FileEntry.file("share/extension/" + name + ".control", 3, fake, false)));
        return raw(name, m, tar -> file(tar, "share/extension/" + name + ".control", "x=1".getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A tar whose manifest lists {@code files} files of {@code size} bytes, each under directories
     * of its own ({@code doc/<i>/a/b/c/f}: as the writer packs it, 5 entries per file), and holds
     * none of them: refused at its manifest, before any file is read (count or size), since issue 21.
     */
    public static Bundle declaring(String name, int files, long size) {
        List<BundleManifest.FileEntry> listed = new java.util.ArrayList<>();
        listed.add(BundleManifest.FileEntry.file("share/extension/" + name + ".control", 3, "0".repeat(64), false));
        for (int i = 0; i < files; i++) {
            listed.add(BundleManifest.FileEntry.file("doc/" + i + "/a/b/c/f", size, "0".repeat(64), false));
        }
        return raw(name, manifest(name, "1.0", 17).withFiles(listed), tar -> { });
    }

    interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static Bundle raw(String name, Entries entries) {
        return raw(name, manifest(name, "1.0", 17), entries);
    }

    private static Bundle raw(String name, BundleManifest m, Entries entries) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                file(tar, "manifest.json", m.toJson());
                entries.write(tar);
                tar.finish();
            }
            byte[] b = out.toByteArray();
            return new Bundle(name, "1.0", 17, b, Digests.sha256(b));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void file(TarArchiveOutputStream tar, String path, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path);
        e.setSize(bytes.length);
        e.setMode(0100644);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }
}
