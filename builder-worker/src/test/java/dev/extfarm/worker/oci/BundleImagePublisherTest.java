package dev.extfarm.worker.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import dev.extfarm.bundle.oci.BundleImage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's image push (Jib Core's registry client) against a registry we did not write, the
 * CNCF distribution registry: the image it stores is byte for byte {@link BundleImage}'s, so the
 * digest is the same whoever builds it, and a second push is a no-op.
 */
class BundleImagePublisherTest {

    @TempDir
    Path tmp;

    static BundleWriter.Packed pack(Path dir, String name, String version) throws Exception {
        return pack(dir, name, version, name.hashCode(), name + ".tar");
    }

    /** A build of {@code name} whose library comes from {@code seed} (another seed: a rebuild with other bytes), into {@code dir/tar}. */
    static BundleWriter.Packed pack(Path dir, String name, String version, long seed, String tar) throws Exception {
        Path tree = dir.resolve("tree-" + tar);
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/" + name + ".control"), "default_version = '" + version + "'\n");
        Files.writeString(tree.resolve("share/extension/" + name + "--" + version + ".sql"), "SELECT 1;\n");
        Files.createDirectories(tree.resolve("lib"));
        byte[] so = new byte[50_000];
        new java.util.Random(seed).nextBytes(so);
        Files.write(tree.resolve("lib/" + name + ".so"), so);
        BundleManifest m = BundleManifest.builder().name(name).version(version).pgMajor(15)
                .platform(Platform.parse("debian-12-amd64-glibc")).defaultVersion(version).extensions(List.of(name))
                .libraries(List.of(name)).license("PostgreSQL")
                .build(new BundleManifest.BuildInputs("1".repeat(64), "2".repeat(64), "sha256:" + "3".repeat(64), 1_700_000_000L))
                .build();
        return BundleWriter.pack(tree, m, 1_700_000_000L, dir.resolve(tar));
    }

    @Test
    void pushesTheReproducibleImageToTheDistributionRegistry() throws Exception {
        assumeTrue(DistributionRegistry.available(), "Debian's docker-registry is not installed");
        BundleWriter.Packed packed = pack(tmp, "pg_hello", "1.0");
        Path tar = tmp.resolve("pg_hello.tar");
        BundleImage expected = BundleImage.of(packed.manifest(), packed.sha256(), Files.size(tar));
        List<String> log = new ArrayList<>();
        try (DistributionRegistry registry = DistributionRegistry.start(Files.createDirectories(tmp.resolve("reg")))) {
            var publisher = new BundleImagePublisher(registry.base, null);
            var first = publisher.publish(tar, packed, log::add);
            assertThat(first.digest()).isEqualTo(expected.manifestDigest());
            assertThat(first.tags()).containsExactly("1.0-pg15-debian-12-amd64");
            assertThat(first.layerUploaded()).isTrue();
            var second = publisher.publish(tar, packed, log::add);
            assertThat(second.digest()).isEqualTo(first.digest());
            assertThat(second.layerUploaded()).isFalse();

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<byte[]> m = http.send(HttpRequest.newBuilder(registry.base.resolve(
                            "/v2/extensions/pg_hello/manifests/1.0-pg15-debian-12-amd64"))
                    .header("Accept", BundleImage.MANIFEST_MEDIA_TYPE).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.body()).isEqualTo(expected.manifest());
            assertThat(m.headers().firstValue("Docker-Content-Digest")).contains(expected.manifestDigest());
            HttpResponse<byte[]> layer = http.send(HttpRequest.newBuilder(registry.base.resolve(
                    "/v2/extensions/pg_hello/blobs/sha256:" + packed.sha256())).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(layer.body()).isEqualTo(Files.readAllBytes(tar));
        }
        assertThat(log).anyMatch(l -> l.startsWith("pushed image "));
    }
}
