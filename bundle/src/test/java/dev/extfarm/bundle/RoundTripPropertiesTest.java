package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random trees: pack → verify → unpack gives back exactly the tree, and packing is deterministic. */
class RoundTripPropertiesTest {

    record Spec(String dir, String name, byte[] content, boolean executable) {
    }

    @Provide
    Arbitrary<List<Spec>> trees() {
        Arbitrary<String> dirs = Arbitraries.of("lib", "lib/bitcode/x", "share/extension", "share/contrib", "share/tsearch_data",
                "doc/x", "bin", "licenses");
        // Names include long ones (PAX path headers) and non-ASCII ones.
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'z').withChars("._-0123456789").ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings().withCharRange('a', 'z').ofLength(150),
                Arbitraries.of("résumé.txt", "日本語.sql", "naïve--1.0.sql"))
                .filter(n -> !n.startsWith(".") || n.length() > 2).filter(n -> !n.equals(".") && !n.equals(".."));
        Arbitrary<byte[]> contents = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
        Arbitrary<Spec> spec = Combinators.combine(dirs, names, contents, Arbitraries.of(true, false)).as(Spec::new);
        return spec.list().ofMinSize(0).ofMaxSize(25).uniqueElements(s -> s.dir + "/" + s.name);
    }

    @Property(tries = 60)
    void packVerifyUnpackRoundTrips(@ForAll("trees") List<Spec> files) throws Exception {
        Path tmp = Files.createTempDirectory("roundtrip");
        try {
            Path tree = tmp.resolve("tree");
            Fixtures.write(tree.resolve("share/extension/rt.control"), "default_version = '1.0'\n");
            for (Spec s : files) {
                Path p = tree.resolve(s.dir).resolve(s.name);
                if (Files.isDirectory(p) || Files.exists(p)) {
                    continue;
                }
                Files.createDirectories(p.getParent());
                Files.write(p, s.content);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(s.executable ? "rwxr-xr-x" : "rw-r--r--"));
            }
            BundleManifest m = BundleManifest.builder().name("rt").version("1.0").pgMajor(18)
                    .platform(Platform.parse("debian-sid-amd64-glibc")).extensions(List.of("rt")).license("MIT").build();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BundleWriter.Packed packed = BundleWriter.pack(tree, m, 123, out);
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            assertThat(BundleWriter.pack(tree, m, 123, again).sha256()).isEqualTo(packed.sha256());

            VerifiedBundle v = BundleReader.withDefaults().verify(new ByteArrayInputStream(out.toByteArray()), packed.sha256());
            assertThat(v.manifest()).isEqualTo(packed.manifest());
            BundleReader.withDefaults().unpack(new ByteArrayInputStream(out.toByteArray()), tmp.resolve("out"));
            Map<String, String> expected = TreeAssertions.describe(tree);
            assertThat(TreeAssertions.describe(tmp.resolve("out"))).isEqualTo(expected);
        } finally {
            FileTrees.deleteRecursively(tmp);
        }
    }
}
