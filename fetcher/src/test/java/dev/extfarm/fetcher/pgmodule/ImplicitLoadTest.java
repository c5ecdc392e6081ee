package dev.extfarm.fetcher;

import dev.extfarm.bundle.FileTrees;
import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The implicit load path: a database created an extension with a C type; the node restarts
 * empty (no bundle files, no fetcher state, no cache: only the control files of phase 1), and
 * reading the table calls the type's output function, whose library pg_extfarm fetches first.
 */
class ImplicitLoadTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#all")
    void readingATableOfAnExtensionTypeOnAnEmptyNodeFetchesItsLibrary(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(PgModules.typeBundle(target, tmp, "jittype"));
            PgModules.install(target, node.pg);

            Fetcher first = node.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(first))) {
                int port = endpoint.listen(0);
                first.prepare();
                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                node.pg.sql("CREATE EXTENSION jittype; CREATE TABLE t (x jittype); INSERT INTO t VALUES ('41'), ('1')");
                assertThat(node.pg.sql("SELECT string_agg(x::text, ',' ORDER BY x::text) FROM t")).isEqualTo("1,41");
                node.pg.stop();
            }
            first.close();

            // the node comes back empty: bundle files, markers, fetcher state and cache gone
            for (Path p : node.filesOf("jittype")) {
                Files.delete(p);
            }
            try (Stream<Path> s = Files.walk(node.pg.share.resolve("extension/.extfarm"))) {
                s.filter(p -> p.getFileName().toString().startsWith("jittype")).forEach(p -> p.toFile().delete());
            }
            FileTrees.deleteRecursively(node.state);
            FileTrees.deleteRecursively(node.cache);
            assertThat(node.pg.lib.resolve("jittype.so")).doesNotExist();

            Fetcher second = node.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(second))) {
                int port = endpoint.listen(0);
                second.prepare(); // control files only; background never started
                assertThat(node.extension("jittype.control")).exists();
                assertThat(node.pg.lib.resolve("jittype.so")).doesNotExist();
                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                long t0 = System.nanoTime();
                assertThat(node.pg.sql("SELECT string_agg(x::text, ',' ORDER BY x::text) FROM t")).isEqualTo("1,41");
                System.out.println("first read on the empty node: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                assertThat(node.pg.lib.resolve("jittype.so")).exists();
                assertThat(second.state().get("jittype").orElseThrow().installed()).isTrue();
                assertThat(node.pg.sql("SELECT jittype_plus(x, 1) FROM t ORDER BY 1")).isEqualTo("2\n42");
                node.pg.stop();
            }
        }
    }
}
