package dev.extfarm.fetcher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fetcher's HTTP client builds nothing before its first request, initialises TLS only for
 * https (real servers on 127.0.0.1: the JDK's HttpServer and HttpsServer with a certificate made
 * by keytool), still verifies the server's name over https, and its selector thread can be ended
 * before exit.
 */
class LazyHttpClientTest {

    @TempDir
    Path tmp;

    private static HttpServer plainServer() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", x -> {
            byte[] b = "plain".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.start();
        return s;
    }

    @Test
    void plainHttpNeverInitialisesTls() throws Exception {
        AtomicInteger tlsAsked = new AtomicInteger();
        LazyHttpClient http = LazyHttpClient.create(Duration.ofSeconds(5), HttpClient.Version.HTTP_1_1, () -> {
            tlsAsked.incrementAndGet();
            throw new IllegalStateException("TLS must not be initialised for plain http");
        });
        assertThat(http.built()).isFalse();
        HttpServer server = plainServer();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/x");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("plain");
            assertThat(http.built()).isTrue();
            assertThat(http.tlsInitialised()).isFalse();
            assertThat(tlsAsked).hasValue(0);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void buildInBackgroundBuildsTheClientButNotTlsAndRequestsStillWork() throws Exception {
        AtomicInteger tlsAsked = new AtomicInteger();
        LazyHttpClient http = LazyHttpClient.create(Duration.ofSeconds(5), HttpClient.Version.HTTP_1_1, () -> {
            tlsAsked.incrementAndGet();
            throw new IllegalStateException("TLS must not be initialised for plain http");
        });
        http.buildInBackground();
        HttpServer server = plainServer();
        try {
            // a request right away waits for the background build (one client, built once)
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/x");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("plain");
            assertThat(http.built()).isTrue();
            assertThat(http.tlsInitialised()).isFalse();
            assertThat(tlsAsked).hasValue(0);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void httpsInitialisesTlsOnFirstUseAndStillChecksTheServerName() throws Exception {
        Path keystore = tmp.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=extfarm test", "-ext", "san=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(keytoolOut).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/", x -> {
            byte[] b = "secret".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
        AtomicInteger tlsAsked = new AtomicInteger();
        LazyHttpClient http = LazyHttpClient.create(Duration.ofSeconds(5), HttpClient.Version.HTTP_1_1, () -> {
            tlsAsked.incrementAndGet();
            return clientTls;
        });
        try {
            int port = server.getAddress().getPort();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("secret");
            assertThat(http.tlsInitialised()).isTrue();
            assertThat(tlsAsked).hasValue(1);
            // the certificate names 127.0.0.1 only: the same server as "localhost" is refused (name verification is on)
            assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
            assertThat(tlsAsked).hasValue(1);
        } finally {
            server.stop(0);
        }
    }

    /** Run in a JVM of its own (it ends every HTTP client's selector thread of its process). */
    public static void main(String[] args) throws Exception {
        HttpServer server = plainServer();
        LazyHttpClient http = LazyHttpClient.create(Duration.ofSeconds(5), HttpClient.Version.HTTP_1_1);
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/")).build(),
                HttpResponse.BodyHandlers.discarding());
        server.stop(0);
        System.out.println("selectors before: " + selectors());
        ExitWithoutDelay.stopHttpSelectors();
        System.out.println("selectors after: " + selectors());
    }

    private static long selectors() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && ExitWithoutDelay.isSelector(t)).count();
    }

    @Test
    void theSelectorThreadEndsBeforeExit() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LazyHttpClientTest.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("selectors before: 1").contains("selectors after: 0");
    }
}
