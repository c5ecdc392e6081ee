package dev.extfarm.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.egress.AllowList;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.recipe.source.SourceFetcherConfig;
import dev.extfarm.recipe.source.SourceMirrors;
import dev.extfarm.worker.pipeline.BuildFailure;
import dev.extfarm.worker.pipeline.Step;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source the farm cannot get (a 404, a source mirror without the file) is the farm's to fix and
 * is retried ({@code source-unavailable}, responsibility farm); an egress refusal stays the
 * recipe's. Real fetches against a real HTTP server on 127.0.0.1 and a real mirror directory
 * (issue 22, item 2: every source failure was reported as the recipe's).
 */
class SourceFailureTest {

    private static final String SHA = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

    @TempDir
    Path tmp;

    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private SourceFetcher fetcher(SourceMirrors mirrors) {
        SourceFetcherConfig base = SourceFetcherConfig.defaults(tmp.resolve("cache"));
        return new SourceFetcher(base.withEgress(base.egress().withAllowList(AllowList.parse("127.0.0.1"))), mirrors);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static SourceException failure(SourceFetcher fetcher, Recipe.Source source) throws Exception {
        try (fetcher) {
            fetcher.fetch(source);
        } catch (SourceException e) {
            return e;
        }
        return fail("fetched " + source);
    }

    @Test
    void aNotFoundSourceWithoutAMirrorIsTheFarmsAndSaysHowToGiveOne() throws Exception {
        SourceException e = failure(fetcher(new SourceMirrors(List.of())),
                new Recipe.UrlSource(url("/dl/pgdemo-1.0.tar.gz"), SHA, Optional.empty()));

        BuildFailure f = JobRunner.sourceFailure(e);
        assertThat(f.cause()).isEqualTo("source-unavailable");
        assertThat(f.step()).isEqualTo(Step.FETCH);
        assertThat(f.responsibility()).isEqualTo(BuildFailure.Responsibility.FARM);
        assertThat(f.isFarmFault()).as("retried like any farm fault").isTrue();
        assertThat(f.message()).contains("not found").contains("no source mirror is configured")
                .contains("--source-mirror").contains("sha256/" + SHA);
    }

    @Test
    void aMirrorWithoutTheFileIsTheFarmsAndNamesTheMirror() throws Exception {
        Path mirror = Files.createDirectories(tmp.resolve("mirror/sha256"));
        SourceException e = failure(fetcher(new SourceMirrors(List.of(mirror.getParent()))),
                new Recipe.UrlSource(url("/dl/pgdemo-1.0.tar.gz"), SHA, Optional.empty()));

        BuildFailure f = JobRunner.sourceFailure(e);
        assertThat(f.cause()).isEqualTo("source-unavailable");
        assertThat(f.responsibility()).isEqualTo(BuildFailure.Responsibility.FARM);
        assertThat(f.message()).contains("no source mirror has sha256/" + SHA + " (" + mirror.getParent() + ")");
    }

    @Test
    void aGitCommitInNoMirrorIsTheFarms() throws Exception {
        Path mirror = Files.createDirectories(tmp.resolve("mirror"));
        SourceException e = failure(fetcher(new SourceMirrors(List.of(mirror))), new Recipe.GitSource(
                URI.create("https://git.example.org/acme/pgdemo.git"), "0123456789abcdef0123456789abcdef01234567",
                Optional.empty(), Optional.empty()));

        BuildFailure f = JobRunner.sourceFailure(e);
        assertThat(f.cause()).isEqualTo("source-unavailable");
        assertThat(f.responsibility()).isEqualTo(BuildFailure.Responsibility.FARM);
    }

    @Test
    void anEgressRefusalStaysTheRecipes() throws Exception {
        // not allowed: the fetcher here allows only 127.0.0.1, and a file: URL is never read
        SourceFetcherConfig base = SourceFetcherConfig.defaults(tmp.resolve("cache"));
        SourceException forbidden = failure(new SourceFetcher(base, new SourceMirrors(List.of())),
                new Recipe.UrlSource(url("/dl/pgdemo-1.0.tar.gz"), SHA, Optional.empty()));
        assertThat(JobRunner.sourceFailure(forbidden).cause()).isEqualTo("source-address-forbidden");
        assertThat(JobRunner.sourceFailure(forbidden).responsibility()).isEqualTo(BuildFailure.Responsibility.RECIPE);

        SourceException scheme = failure(fetcher(new SourceMirrors(List.of())),
                new Recipe.UrlSource(URI.create("file:///etc/passwd"), SHA, Optional.empty()));
        assertThat(JobRunner.sourceFailure(scheme).cause()).isEqualTo("source-url-scheme");
        assertThat(JobRunner.sourceFailure(scheme).responsibility()).isEqualTo(BuildFailure.Responsibility.RECIPE);
    }
}
