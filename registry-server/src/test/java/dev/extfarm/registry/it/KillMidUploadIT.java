package dev.extfarm.registry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.support.Bundles;
import dev.extfarm.testsupport.PackagedRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A real {@code kill -9} of the packaged server while a bundle is being uploaded: afterwards no
 * bundle is visible, the restarted server removes the partial upload, and the upload succeeds.
 */
class KillMidUploadIT {

    @Test
    void aServerKilledMidUploadLeavesNoBundleAndTheNextUploadSucceeds() throws Exception {
        var b = Bundles.bundle(Bundles.uniqueName("killed"), "1.0", 17, 24 << 20);
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target/it")).toAbsolutePath(), "kill");
        try (PackagedRegistry server = PackagedRegistry.builder().dataDir(data).start()) {
            // the body is received into the spool before the bundle reader sees any of it (http.BodyIntake)
            Path uploads = data.resolve("spool");
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("PUT " + b.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.adminToken()
                        + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + b.bytes().length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(b.bytes(), 0, b.bytes().length / 2);
                out.flush();
                long deadline = System.currentTimeMillis() + 30_000;
                while (partials(uploads) == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(partials(uploads)).as("the upload is in progress in a temporary file").isPositive();
                server.kill9();
            }
            assertThat(partials(uploads)).as("kill -9 leaves the partial upload behind").isPositive();
            assertThat(Files.exists(data.resolve("blobs").resolve(b.path().substring(1)))).isFalse();

            server.restart();
            assertThat(partials(uploads)).as("the restart removed it").isZero();
            HttpClient http = HttpClient.newHttpClient();
            assertThat(http.send(HttpRequest.newBuilder(server.uri(b.path())).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode()).isEqualTo(404);
            assertThat(http.send(HttpRequest.newBuilder(server.uri("/api/v1/extensions/" + b.name())).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
            var put = http.send(HttpRequest.newBuilder(server.uri(b.path()))
                    .header("Authorization", "Bearer " + server.adminToken())
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(b.bytes())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            var get = http.send(HttpRequest.newBuilder(server.uri(b.path())).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(Digests.sha256(get.body())).isEqualTo(b.sha256());
        }
    }

    private static long partials(Path uploads) throws Exception {
        if (!Files.isDirectory(uploads)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(uploads)) {
            return s.count();
        }
    }
}
