package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * New connections are held (ClientAuthentication_hook) while a session_preload_libraries
 * library is missing, and succeed once the fetcher installed it; without
 * pg_extfarm the same connection fails.
 */
class PreloadHoldTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#allOutsideCi")
    void aConnectionWaitsForAMissingSessionPreloadLibrary(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(PgModules.typeBundle(target, tmp, "jitsess"));
            registry.publish(PgModules.sql(target, tmp, "jitlocal").pack());
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry);
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f))) {
                int port = endpoint.listen(0);
                f.prepare(); // background (phase 3, which would fetch preload bundles) never started

                // the control: without pg_extfarm the connection fails on the missing library
                node.pg.start("session_preload_libraries=jitsess");
                assertThatThrownBy(() -> node.pg.sql("SELECT 1"))
                        .hasMessageContaining("jitsess");
                node.pg.stop();

                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port,
                        "session_preload_libraries=jitsess");
                assertThat(node.pg.lib.resolve("jitsess.so")).doesNotExist();
                assertThat(node.pg.sql("SELECT 1")).isEqualTo("1");
                assertThat(node.pg.lib.resolve("jitsess.so")).exists();
                assertThat(f.state().get("jitsess").orElseThrow().installed()).isTrue();
                assertThat(f.state().get("jitlocal").map(r -> r.installed()).orElse(false)).isFalse();
                node.pg.stop();
            }
        }
    }

    /**
     * local_preload_libraries are loaded only from {@code $libdir/plugins/}: a fetcher told the
     * setting installs the providing bundle's library there too, so the held connection then
     * succeeds; stock PostgreSQL refuses the connection.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#allOutsideCi")
    void aConnectionWaitsForAMissingLocalPreloadLibraryWhichIsInstalledIntoPlugins(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(PgModules.typeBundle(target, tmp, "jitplug"));
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry, b -> b.preload(new FetcherSettings.Preload(List.of(), List.of(), List.of("jitplug"))));
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f))) {
                int port = endpoint.listen(0);
                f.prepare(); // phase 3 (which would fetch it) never started

                node.pg.start("local_preload_libraries=jitplug");
                assertThatThrownBy(() -> node.pg.sql("SELECT 1")).hasMessageContaining("plugins/jitplug");
                node.pg.stop();

                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port,
                        "local_preload_libraries=jitplug");
                Path plugin = node.pg.lib.resolve("plugins/jitplug.so");
                assertThat(plugin).doesNotExist();
                assertThat(node.pg.sql("SELECT 1")).isEqualTo("1");
                assertThat(plugin).exists().hasSameBinaryContentAs(node.pg.lib.resolve("jitplug.so"));
                assertThat(f.state().get("jitplug").orElseThrow().files()).containsKey(plugin.toString());
                assertThat(node.problems(f)).isEmpty();
                node.pg.sql("CREATE EXTENSION jitplug");
                assertThat(node.pg.sql("SELECT jitplug_plus('41', 1)")).isEqualTo("42");
                node.pg.stop();
            }
        }
    }
}
