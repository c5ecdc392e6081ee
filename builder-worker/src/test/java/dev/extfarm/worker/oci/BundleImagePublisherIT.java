package dev.extfarm.worker.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.testsupport.PackagedRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's path end to end against the packaged extfarm registry (a child process): upload the
 * bundle as the worker does, push its image with {@link BundleImagePublisher} (Jib Core, Bearer
 * challenge → token endpoint), then the image is there under its tags, its layer is the bundle
 * (not uploaded again), and the moving tag points at it; the push rules let exactly this through,
 * and a rebuild's image goes by digest, after which the registry moves the platform tag to it.
 */
class BundleImagePublisherIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theWorkerPublishesTheImageOfItsBundleToTheRegistry() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (PackagedRegistry registry = PackagedRegistry.builder().log(tmp.resolve("registry.log")).start()) {
            URI base = registry.base();
            String worker = registry.token("worker", null);
            BundleWriter.Packed packed = BundleImagePublisherTest.pack(tmp, "pg_hello", "1.0");
            Path tar = tmp.resolve("pg_hello.tar");
            HttpResponse<String> up = http.send(HttpRequest.newBuilder(base.resolve("/" + packed.address().path()))
                    .header("Authorization", "Bearer " + worker).PUT(HttpRequest.BodyPublishers.ofFile(tar)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).as(up.body()).isEqualTo(201);

            var published = new BundleImagePublisher(base, worker).publish(tar, packed, null);
            BundleImage expected = BundleImage.of(packed.manifest(), packed.sha256(), Files.size(tar));
            assertThat(published.digest()).isEqualTo(expected.manifestDigest());
            assertThat(published.layerUploaded()).as("the layer is the bundle, already there").isFalse();

            for (String tag : List.of("1.0-pg15-debian-12-amd64", "1.0-pg15")) {
                HttpResponse<byte[]> m = http.send(HttpRequest.newBuilder(base.resolve("/v2/extensions/pg_hello/manifests/" + tag))
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(m.statusCode()).isEqualTo(200);
                if (tag.endsWith("amd64")) {
                    assertThat(m.body()).isEqualTo(expected.manifest());
                } else {
                    JsonNode index = JSON.readTree(m.body());
                    assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(expected.manifestDigest());
                }
            }
            HttpResponse<byte[]> layer = http.send(HttpRequest.newBuilder(base.resolve("/v2/extensions/pg_hello/blobs/sha256:"
                    + packed.sha256())).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(layer.body()).isEqualTo(Files.readAllBytes(tar));

            // the same image again: nothing changes
            assertThat(new BundleImagePublisher(base, worker).publish(tar, packed, null).tags()).containsExactly("1.0-pg15-debian-12-amd64");

            // a rebuild with other bytes: its tag is taken and tags do not move by a push, so the publisher
            // pushes by digest and the registry moves the platform tag to the newer build itself
            BundleWriter.Packed rebuild = BundleImagePublisherTest.pack(tmp, "pg_hello", "1.0", 42, "pg_hello-rebuild.tar");
            Path rebuildTar = tmp.resolve("pg_hello-rebuild.tar");
            assertThat(rebuild.sha256()).isNotEqualTo(packed.sha256());
            HttpResponse<String> up2 = http.send(HttpRequest.newBuilder(base.resolve("/" + rebuild.address().path()))
                    .header("Authorization", "Bearer " + worker).PUT(HttpRequest.BodyPublishers.ofFile(rebuildTar)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(up2.statusCode()).as(up2.body()).isEqualTo(201);
            java.util.List<String> log = new java.util.ArrayList<>();
            var republished = new BundleImagePublisher(base, worker).publish(rebuildTar, rebuild, log::add);
            BundleImage newer = BundleImage.of(rebuild.manifest(), rebuild.sha256(), Files.size(rebuildTar));
            assertThat(republished.digest()).isEqualTo(newer.manifestDigest());
            assertThat(republished.tags()).isEmpty();
            assertThat(log).anyMatch(l -> l.contains("pushing by digest"));
            HttpResponse<byte[]> moved = http.send(HttpRequest.newBuilder(base.resolve(
                    "/v2/extensions/pg_hello/manifests/1.0-pg15-debian-12-amd64")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(moved.statusCode()).isEqualTo(200);
            assertThat(moved.body()).isEqualTo(newer.manifest());
        }
    }
}
