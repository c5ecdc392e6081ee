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
        try {
            Path tree = Files.createTempDirectory("bundle-tree");
            Path ext = Files.createDirectories(tree.resolve("share/extension"));
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
