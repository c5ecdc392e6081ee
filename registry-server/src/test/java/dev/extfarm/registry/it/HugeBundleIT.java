package dev.extfarm.registry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.support.Bundles;
import dev.extfarm.testsupport.PackagedRegistry;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A 2 GB bundle uploaded to and downloaded from the packaged server running with {@code -Xmx128m}:
 * proof that neither direction holds a bundle in memory. Opt-in (it moves 4 GB through the disk):
 * {@code ./mvnw -pl registry-server verify -Dit.test=HugeBundleIT -Dextfarm.huge=true}.
 */
@EnabledIfSystemProperty(named = "extfarm.huge", matches = "true")
class HugeBundleIT {

    static final long LIB_SIZE = 2_000_000_000L;

    @Test
    void aTwoGigabyteBundleRoundTripsThroughA128MegabyteHeap() throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target/it")).toAbsolutePath(), "huge");
        Path tree = Files.createDirectories(work.resolve("tree"));
        String name = Bundles.uniqueName("huge");
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/" + name + ".control"), "default_version = '1.0'\n");
        Files.createDirectories(tree.resolve("lib"));
        try (RandomAccessFile f = new RandomAccessFile(tree.resolve("lib/" + name + ".so").toFile(), "rw")) {
            f.setLength(LIB_SIZE); // sparse on disk; 2 GB of bytes in the tar
        }
        Path tar = work.resolve("bundle.tar");
        long t0 = System.nanoTime();
        var packed = BundleWriter.pack(tree, Bundles.manifest(name, "1.0", 17), 0, tar);
        System.out.printf("packed %d bytes in %d ms%n", packed.size(), (System.nanoTime() - t0) / 1_000_000);
        String path = "/extensions/" + name + "/sha-256+" + packed.sha256() + "/bundle.tar";
        Path data = work.resolve("data");
        try (PackagedRegistry server = PackagedRegistry.builder().dataDir(data).jvmArgs("-Xmx128m").start()) {
            HttpClient http = HttpClient.newHttpClient();
            t0 = System.nanoTime();
            var put = http.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + server.adminToken())
                    .PUT(HttpRequest.BodyPublishers.ofFile(tar)).build(), HttpResponse.BodyHandlers.ofString());
            long upMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            t0 = System.nanoTime();
            var get = http.send(HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.ofInputStream());
            String sha;
            try (InputStream in = get.body()) {
                sha = Digests.sha256(in);
            }
            long downMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(sha).isEqualTo(packed.sha256());
            System.out.printf("2 GB bundle at -Xmx128m: upload %d ms (%.0f MB/s, verified + stored), download %d ms (%.0f MB/s)%n",
                    upMs, packed.size() / 1e3 / upMs, downMs, packed.size() / 1e3 / downMs);
        } finally {
            Files.deleteIfExists(tar);
            try (var s = Files.walk(data)) {
                s.filter(p -> p.toString().endsWith("bundle.tar")).forEach(p -> p.toFile().delete());
            }
        }
    }
}
