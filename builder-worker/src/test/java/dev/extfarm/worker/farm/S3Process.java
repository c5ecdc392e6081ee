package dev.extfarm.worker.farm;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * An S3-compatible store: s3proxy (Maven Central) with its filesystem provider, started as its own
 * JVM on 127.0.0.1 from this test's class path, with real SigV4 credentials.
 */
final class S3Process implements AutoCloseable {

    static final String ACCESS = "faults-access";
    static final String SECRET = "faults-secret";
    static final String BUCKET = "extfarm";

    final URI endpoint;
    private final Process process;

    private S3Process(URI endpoint, Process process) {
        this.endpoint = endpoint;
        this.process = process;
    }

    static S3Process start(Path parent) throws Exception {
        Path dir = Files.createDirectories(parent.resolve("s3"));
        int port = JavaProcess.freePort();
        Path props = dir.resolve("s3proxy.properties");
        Files.writeString(props, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS,
                "s3proxy.credential=" + SECRET,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + Files.createDirectories(dir.resolve("data")),
                "jclouds.identity=" + ACCESS,
                "jclouds.credential=" + SECRET, ""));
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "org.gaul.s3proxy.Main", "--properties", props.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        S3Process s3 = new S3Process(URI.create("http://127.0.0.1:" + port), p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    s3.close();
                    throw new IllegalStateException("s3proxy did not start; see " + dir.resolve("s3proxy.log"));
                }
                Thread.sleep(200);
            }
        }
        return s3;
    }

    S3Client client() {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
