package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.egress.AllowList;
import dev.extfarm.recipe.egress.EgressPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Source URLs against the address rules, over a real HTTP server on 127.0.0.1: internal addresses
 * are refused before any byte is sent (allow list empty), and so is every redirect that leads to
 * one, loops, goes on too long, or leaves http/https. Refusals name the rule and cache nothing.
 */
class SourceEgressTest {

    private static final byte[] TARBALL = new TestArchive().dir("pgdemo-1.2.0").file("pgdemo-1.2.0/Makefile", "MODULES = pgdemo\n").tarGz();
    private static final String SHA = SourceFetcherTest.sha256(TARBALL);

    @TempDir
    Path cacheDir;

    private LoopbackServer server;
    private LoopbackServer other;

    @BeforeEach
    void start() throws IOException {
        server = new LoopbackServer().serve("/pgdemo.tar.gz", TARBALL);
        other = new LoopbackServer().serve("/pgdemo.tar.gz", TARBALL);
    }

    @AfterEach
    void stop() {
        server.close();
        other.close();
    }

    private SourceFetcher fetcher(EgressPolicy policy) {
        return new SourceFetcher(SourceFetcherConfig.defaults(cacheDir)
                .withDebianMirror(URI.create("http://127.0.0.1:9/debian"), List.of("stable"))
                .withLimits(Duration.ofSeconds(5), Duration.ofSeconds(30), 1 << 20)
                .withEgress(policy));
    }

    /** Only {@code server}'s port is allowed, as an operator would for one internal host. */
    private SourceFetcher allowingServer() {
        return fetcher(SourceFetcherConfig.defaults(cacheDir).egress().withAllowList(AllowList.parse("127.0.0.1:" + server.port())));
    }

    private SourceException refused(SourceFetcher fetcher, URI url) throws IOException {
        try (fetcher) {
            fetcher.fetch(new Recipe.UrlSource(url, SHA, Optional.empty()));
        } catch (SourceException e) {
            for (String dir : List.of("sha256", "tmp")) {
                if (Files.isDirectory(cacheDir.resolve(dir))) {
                    try (Stream<Path> files = Files.list(cacheDir.resolve(dir))) {
                        assertThat(files).as("nothing cached").isEmpty();
                    }
                }
            }
            assertThat(e).as("never the hash of what is there").hasMessageNotContaining(SHA);
            return e;
        }
        throw new AssertionError("fetched " + url);
    }

    @Test
    void anInternalAddressIsRefusedWithoutARequest() throws Exception {
        SourceException e = refused(fetcher(EgressPolicy.publicOnly(SourceFetcherConfig.ALLOW_SETTING)), server.uri("/pgdemo.tar.gz"));

        assertThat(e.reason().code()).isEqualTo("source-address-forbidden");
        assertThat(e.reason().isRecipes()).isTrue();
        assertThat(e).hasMessageContaining("127.0.0.1 is a loopback address (127.0.0.0/8)")
                .hasMessageContaining("EXTFARM_SOURCE_ALLOW=127.0.0.1:" + server.port());
        assertThat(server.totalHits()).isZero();
    }

    @Test
    void localhostByNameIsRefusedToo() throws Exception {
        URI url = URI.create("http://localhost:" + server.port() + "/pgdemo.tar.gz");
        assertThat(refused(allowingServer(), url).reason()).isEqualTo(SourceException.Reason.ADDRESS_FORBIDDEN);
        assertThat(server.totalHits()).isZero();
    }

    @Test
    void aRedirectToTheMetadataServiceIsRefused() throws Exception {
        server.redirect("/r", "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
        SourceException e = refused(allowingServer(), server.uri("/r"));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.ADDRESS_FORBIDDEN);
        assertThat(e).hasMessageContaining("169.254.169.254 is a link-local address");
    }

    @Test
    void aRedirectToAnotherInternalPortIsRefusedBeforeConnecting() throws Exception {
        server.redirect("/r", other.uri("/pgdemo.tar.gz").toString());
        assertThat(refused(allowingServer(), server.uri("/r")).reason()).isEqualTo(SourceException.Reason.ADDRESS_FORBIDDEN);
        assertThat(other.totalHits()).as("the redirect target heard nothing").isZero();
    }

    @Test
    void redirectsThatLeaveHttpAreRefused() throws Exception {
        for (String target : List.of("file:///etc/passwd", "ftp://ftp.example.org/x.tar.gz", "gopher://127.0.0.1:6379/_INFO",
                "jar:file:///x.jar!/y", "netdoc:///etc/passwd")) {
            server.redirect("/r", target);
            SourceException e = refused(allowingServer(), server.uri("/r"));
            assertThat(e.reason()).as(target).isEqualTo(SourceException.Reason.URL_SCHEME);
            assertThat(e.reason().code()).isEqualTo("source-url-scheme");
        }
    }

    @Test
    void redirectLoopsAreRefused() throws Exception {
        server.redirect("/a", "/b").redirect("/b", server.uri("/a").toString());
        SourceException e = refused(allowingServer(), server.uri("/a"));
        assertThat(e.reason().code()).isEqualTo("source-redirect-refused");
        assertThat(e).hasMessageContaining("redirect loop");
        assertThat(server.hits("/a")).isEqualTo(1);
    }

    @Test
    void atMostFiveRedirectsAreFollowed() throws Exception {
        for (int i = 1; i <= 6; i++) {
            server.redirect("/r" + i, "/r" + (i + 1));
        }
        server.serve("/r7", TARBALL);
        SourceException e = refused(allowingServer(), server.uri("/r1"));
        assertThat(e.reason()).isEqualTo(SourceException.Reason.REDIRECT_REFUSED);
        assertThat(e).hasMessageContaining("more than 5 redirects");
        assertThat(server.hits("/r7")).isZero();

        try (SourceFetcher f = allowingServer()) {
            assertThat(f.fetch(new Recipe.UrlSource(server.uri("/r2"), SHA, Optional.empty()))).as("five are fine").hasBinaryContent(TARBALL);
        }
    }

    @Test
    void theConnectionGoesToTheAddressThatWasCheckedNotToASecondAnswer() throws Exception {
        // A DNS server that answers 127.0.0.1 (allowed) once and 127.0.0.2 (forbidden) afterwards, with a
        // second server listening there: a client that looked the name up again would reach it.
        try (LoopbackServer rebound = new LoopbackServer(InetAddress.getByAddress(new byte[]{127, 0, 0, 2}), server.port())) {
            rebound.serve("/pgdemo.tar.gz", TARBALL);
            AtomicInteger lookups = new AtomicInteger();
            EgressPolicy.Resolver rebinding = host -> {
                if (!host.equals("sources.rebind.test")) {
                    throw new UnknownHostException(host);
                }
                byte last = (byte) (lookups.getAndIncrement() == 0 ? 1 : 2);
                return new InetAddress[]{InetAddress.getByAddress(new byte[]{127, 0, 0, last})};
            };
            EgressPolicy policy = SourceFetcherConfig.defaults(cacheDir).egress()
                    .withAllowList(AllowList.parse("127.0.0.1:" + server.port())).withResolver(rebinding);
            URI url = URI.create("http://sources.rebind.test:" + server.port() + "/pgdemo.tar.gz");
            try (SourceFetcher f = fetcher(policy)) {
                assertThat(f.fetch(new Recipe.UrlSource(url, SHA, Optional.empty()))).hasBinaryContent(TARBALL);
            }
            assertThat(lookups).as("one lookup, by the policy").hasValue(1);
            assertThat(server.totalHits()).isEqualTo(1);
            assertThat(rebound.totalHits()).isZero();

            Files.delete(cacheDir.resolve("sha256").resolve(SHA));
            assertThat(refused(fetcher(policy), url).reason()).as("the second answer is checked, and refused")
                    .isEqualTo(SourceException.Reason.ADDRESS_FORBIDDEN);
            assertThat(rebound.totalHits()).isZero();
        }
    }
}
