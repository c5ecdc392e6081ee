package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import dev.extfarm.fetcher.install.NodeState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * session_preload_libraries and local_preload_libraries where users put them: per role ({@code
 * ALTER ROLE … SET}), per database ({@code ALTER DATABASE … SET}), per role in a database
 * ({@code ALTER ROLE … IN DATABASE … SET}): fetched when set; in a connection's options ({@code
 * -c …} through PGOPTIONS): the connection is held until fetched; set before pg_extfarm ran:
 * fetched by phase 3 from pg_db_role_setting. Each new connection then loads its library (each
 * test library defines {@code <name>.loaded} in its {@code _PG_init}, so {@code SHOW} proves it
 * is loaded in that session). Without pg_extfarm such connections fail.
 */
class PreloadSettingsTest {

    static final List<String> LIBRARIES = List.of("prole", "pdb", "proledb", "popt", "plocal", "plocal2", "pold");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#all")
    void connectionsFindThePreloadLibrariesOfTheirRoleDatabaseAndOptions(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            Map<String, Path> libs = PgModules.loadedMarkerLibraries(target, tmp, LIBRARIES);
            for (String name : LIBRARIES) {
                registry.publish(PgModules.libraryBundle(target, tmp, name, libs.get(name)));
            }
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry, b -> b.psql(node.pg.catalog()));
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f))) {
                int port = endpoint.listen(0);
                f.prepare(); // phases 3-4 start only at the end: until then a library is there only because it was asked for

                // a role's setting made before pg_extfarm ran: the control (stock PostgreSQL refuses the connection)
                node.pg.start();
                node.pg.sql("CREATE ROLE role_old LOGIN; ALTER ROLE role_old SET session_preload_libraries = 'pold'");
                assertThatThrownBy(() -> node.pg.sqlAs("role_old", "postgres", null, "SELECT 1")).hasMessageContaining("pold");
                assertThatThrownBy(() -> node.pg.sqlAs("postgres", "postgres", "-c session_preload_libraries=popt", "SELECT 1"))
                        .hasMessageContaining("popt");
                node.pg.stop();

                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                // per role: fetched when it is set, so the role's connections find it
                node.pg.sql("CREATE ROLE role_s LOGIN");
                assertThat(installed(f, "prole")).isFalse();
                node.pg.sql("ALTER ROLE role_s SET session_preload_libraries = 'prole'");
                assertThat(installed(f, "prole")).isTrue();
                assertThat(node.pg.sqlAs("role_s", "postgres", null, "SHOW prole.loaded")).isEqualTo("yes");
                // per database, and per role in a database
                node.pg.sql("CREATE DATABASE db_s");
                node.pg.sql("ALTER DATABASE db_s SET session_preload_libraries = 'pdb'");
                node.pg.sql("CREATE ROLE role_d LOGIN");
                node.pg.sql("ALTER ROLE role_d IN DATABASE db_s SET session_preload_libraries = 'proledb'");
                assertThat(installed(f, "pdb")).isTrue();
                assertThat(installed(f, "proledb")).isTrue();
                assertThat(node.pg.sqlAs("postgres", "db_s", null, "SHOW pdb.loaded")).isEqualTo("yes");
                assertThat(node.pg.sqlAs("role_d", "db_s", null, "SHOW proledb.loaded")).isEqualTo("yes");
                // in the connection's options: the connection is held until it is fetched
                assertThat(installed(f, "popt")).isFalse();
                assertThat(node.pg.sqlAs("postgres", "postgres", "-c session_preload_libraries=popt", "SHOW popt.loaded")).isEqualTo("yes");
                assertThat(installed(f, "popt")).isTrue();
                // local_preload_libraries per role: loaded from $libdir/plugins/ only, which the fetcher fills when asked
                Path plugin = node.pg.lib.resolve("plugins/plocal.so");
                node.pg.sql("CREATE ROLE role_l LOGIN");
                node.pg.sql("ALTER ROLE role_l SET local_preload_libraries = 'plocal'");
                assertThat(plugin).exists().hasSameBinaryContentAs(node.pg.lib.resolve("plocal.so"));
                assertThat(f.state().get("plocal").orElseThrow().files()).containsKey(plugin.toString());
                assertThat(node.pg.sqlAs("role_l", "postgres", null, "SHOW plocal.loaded")).isEqualTo("yes");
                // a bundle installed before (no plugin copy) gets its copy when a setting names it
                f.requestLibrary("plocal2", Duration.ofSeconds(60));
                assertThat(node.pg.lib.resolve("plocal2.so")).exists();
                assertThat(node.pg.lib.resolve("plugins/plocal2.so")).doesNotExist();
                node.pg.sql("CREATE ROLE role_l2 LOGIN");
                node.pg.sql("ALTER ROLE role_l2 SET local_preload_libraries = 'plocal2'");
                assertThat(node.pg.sqlAs("role_l2", "postgres", null, "SHOW plocal2.loaded")).isEqualTo("yes");
                assertThat(f.state().get("plocal2").orElseThrow().files()).containsKey(node.pg.lib.resolve("plugins/plocal2.so").toString());
                assertThat(node.problems(f)).isEmpty();
                // remembered: a later version of these bundles goes into plugins/ too
                assertThat(new NodeState(node.state).pluginLibraries()).contains("plocal", "plocal2");

                // the setting made before pg_extfarm ran: phase 3 reads pg_db_role_setting (--psql) and fetches it
                assertThat(installed(f, "pold")).isFalse();
                f.startBackground();
                long deadline = System.currentTimeMillis() + 60_000;
                while (!installed(f, "pold") && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(node.log()).contains("roles and databases preload");
                assertThat(node.pg.sqlAs("role_old", "postgres", null, "SHOW pold.loaded")).isEqualTo("yes");

                // connections whose libraries are all there do not ask the fetcher at all (now unreachable)
                endpoint.close();
                assertThat(node.pg.sqlAs("role_s", "postgres", null, "SHOW prole.loaded")).isEqualTo("yes");
                assertThat(node.pg.sqlAs("role_l", "postgres", null, "SHOW plocal.loaded")).isEqualTo("yes");
                assertThat(node.pg.sqlAs("postgres", "postgres", "-c session_preload_libraries=popt", "SHOW popt.loaded")).isEqualTo("yes");
                node.pg.stop();
            }
        }
    }

    private static boolean installed(Fetcher f, String bundle) {
        return f.state().get(bundle).map(r -> r.installed()).orElse(false);
    }
}
