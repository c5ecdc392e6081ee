package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.endpoint.LocalEndpoint;
import dev.extfarm.fetcher.endpoint.Routes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ALTER EXTENSION upx UPDATE TO '1.1'} on a node that has upx 1.0 installed, where only the
 * bundle of upx 1.1 carries the update script {@code upx--1.0--1.1.sql}: pg_extfarm asks the
 * fetcher with both versions, the fetcher installs 1.1 (listed in the pinned 1.0 entry's {@code
 * versions}, with its update scripts) next to the running 1.0, and the ALTER completes. upx is a
 * C extension built for the target in two versions, as upstream extensions ship them: 1.1's module
 * adds a function and reports its own version, its bundle carries {@code upx--1.1.sql} and the
 * update script but not {@code upx--1.0.sql}. A session that loaded the 1.0 module before the
 * update keeps using it (the file was renamed over, never written in place), new sessions load
 * 1.1, a second database still at 1.0 keeps working and updates too; neither the background nor a
 * spec refresh puts 1.0 back. Stock PostgreSQL (the control) fails the same ALTER.
 */
class UpgradeOnDemandTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.extfarm.fetcher.PgTarget#all")
    void alterExtensionUpdateFetchesTheBundleThatCarriesThePath(PgTarget target) throws Exception {
        target.assumeAvailable();
        try (RegistryFixture registry = new RegistryFixture(target.major(), target.platform()); Node node = new Node(target)) {
            registry.publish(upx(target, "1.0"));
            registry.publish(upx(target, "1.1"));
            registry.pin("upx", "1.0"); // the tenant's version is 1.0; 1.1 is listed as a newer one
            PgModules.install(target, node.pg);
            Fetcher f = node.fetcher(registry, b -> b.psql(node.pg.catalog()));
            try (LocalEndpoint endpoint = new LocalEndpoint(new Routes(f))) {
                int port = endpoint.listen(0);
                f.prepare();
                f.requestExtension("upx", Duration.ofSeconds(60));
                assertThat(f.state().get("upx").orElseThrow().version()).isEqualTo("1.0");

                // the control: stock PostgreSQL has no update path from 1.0 to 1.1 on disk
                node.pg.start();
                node.pg.sql("CREATE EXTENSION upx");
                node.pg.sql("CREATE DATABASE other");
                node.pg.sqlAs("postgres", "other", null, "CREATE EXTENSION upx");
                assertThatThrownBy(() -> node.pg.sql("ALTER EXTENSION upx UPDATE TO '1.1'"))
                        .hasMessageContaining("no update path from version \"1.0\" to version \"1.1\"");
                node.pg.stop();

                node.pg.start("shared_preload_libraries=pg_extfarm", "extfarm.fetcher_url=http://127.0.0.1:" + port);
                // one session loads the 1.0 module, then another session updates the extension, then the first goes on
                String psql = node.pg.bin.resolve("psql") + " -X -A -t -q -h " + node.pg.socketDir + " -p " + node.pg.port + " -U postgres -d postgres";
                String out = node.pg.session(String.join("\n",
                        "SELECT 'before:' || upx_module_version();",
                        "\\! " + psql + " -c \"ALTER EXTENSION upx UPDATE TO '1.1'\" && echo altered",
                        "SELECT 'extversion:' || extversion FROM pg_extension WHERE extname = 'upx';",
                        "SELECT 'after:' || upx_module_version();",
                        "SELECT 'add:' || upx_add(2, 3);", ""));
                assertThat(out).contains("before:1.0", "altered", "extversion:1.1", "after:1.0", "add:5").doesNotContain("ERROR");
                assertThat(f.state().get("upx").orElseThrow().version()).isEqualTo("1.1");
                assertThat(node.log()).contains("ALTER EXTENSION upx UPDATE from 1.0 to 1.1: installing upx 1.1, which carries the update"
                        + " scripts, next to upx 1.0");

                // a new session loads the 1.1 module and has the function the update script added
                assertThat(node.pg.sql("SELECT upx_module_version()")).isEqualTo("1.1");
                assertThat(node.pg.sql("SELECT upx_mul(6, 7)")).isEqualTo("42");
                // the 1.0 scripts stay beside 1.1's (the 1.1 bundle has no upx--1.0.sql)
                assertThat(node.extension("upx--1.0.sql")).exists();
                assertThat(node.extension("upx--1.0--1.1.sql")).exists();
                assertThat(node.problems(f)).isEmpty();

                // a database still at 1.0 works with the 1.1 module, and updates without another download
                long downloads = registry.bundleRequests("upx");
                assertThat(node.pg.sqlAs("postgres", "other", null, "SELECT extversion FROM pg_extension WHERE extname = 'upx'")).isEqualTo("1.0");
                assertThat(node.pg.sqlAs("postgres", "other", null, "SELECT upx_add(20, 22)")).isEqualTo("42");
                node.pg.sqlAs("postgres", "other", null, "ALTER EXTENSION upx UPDATE TO '1.1'");
                assertThat(node.pg.sqlAs("postgres", "other", null, "SELECT upx_mul(2, 21)")).isEqualTo("42");
                assertThat(registry.bundleRequests("upx")).isEqualTo(downloads);

                // a version no bundle carries: PostgreSQL's own error, nothing changed
                assertThatThrownBy(() -> node.pg.sql("ALTER EXTENSION upx UPDATE TO '9.9'"))
                        .hasMessageContaining("no update path from version \"1.1\" to version \"9.9\"");

                // the spec still says 1.0: neither a refresh nor the background puts it back under the databases
                f.refresh();
                f.startBackground().get(60, TimeUnit.SECONDS);
                assertThat(f.state().get("upx").orElseThrow().version()).isEqualTo("1.1");
                assertThat(bundleState(f, "upx")).isEqualTo("installed");
                assertThat(node.pg.sql("SELECT upx_mul(3, 3)")).isEqualTo("9");

                // installed and the fetcher unreachable: a WARNING, and PostgreSQL goes on with what is on disk
                endpoint.close();
                assertThat(node.pg.session("ALTER EXTENSION upx UPDATE;\n")).contains("WARNING:  could not fetch extension \"upx\"")
                        .contains("version \"1.1\" of extension \"upx\" is already installed").doesNotContain("ERROR");
                node.pg.stop();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static String bundleState(Fetcher f, String name) {
        return ((List<Map<String, Object>>) f.status().get("bundles")).stream().filter(b -> name.equals(b.get("name")))
                .map(b -> (String) b.get("state")).findFirst().orElseThrow();
    }

    /**
     * upx {@code version}, packed for the target: a C module that reports its own version and adds
     * (1.0), and multiplies too (1.1); 1.1 ships its install script and the update script from 1.0.
     */
    private Path upx(PgTarget target, String version) throws Exception {
        boolean v11 = version.equals("1.1");
        String c = """
                #include "postgres.h"
                #include "fmgr.h"
                #include "utils/builtins.h"
                PG_MODULE_MAGIC;
                PG_FUNCTION_INFO_V1(upx_module_version);
                Datum upx_module_version(PG_FUNCTION_ARGS) { PG_RETURN_TEXT_P(cstring_to_text("VERSION")); }
                PG_FUNCTION_INFO_V1(upx_add);
                Datum upx_add(PG_FUNCTION_ARGS) { PG_RETURN_INT32(PG_GETARG_INT32(0) + PG_GETARG_INT32(1)); }
                """.replace("VERSION", version) + (v11 ? """
                PG_FUNCTION_INFO_V1(upx_mul);
                Datum upx_mul(PG_FUNCTION_ARGS) { PG_RETURN_INT32(PG_GETARG_INT32(0) * PG_GETARG_INT32(1)); }
                """ : "");
        Path so = PgModules.cModule(target, tmp, "upx", c);
        String base = """
                CREATE FUNCTION upx_module_version() RETURNS text AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
                CREATE FUNCTION upx_add(int, int) RETURNS int AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;
                """;
        String mul = "CREATE FUNCTION upx_mul(int, int) RETURNS int AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;\n";
        String guard = "\\echo Use \"CREATE EXTENSION upx\" to load this file. \\quit\n";
        Bundles b = PgModules.sql(target, tmp, "upx").version(version).libraries("upx")
                .file("share/extension/upx.control", "comment = 'upx: versions and updates'\ndefault_version = '" + version
                        + "'\nmodule_pathname = 'upx'\nrelocatable = true\n")
                .file("share/extension/upx--" + version + ".sql", guard + base + (v11 ? mul : ""))
                .copy("lib/upx.so", so);
        if (v11) {
            b.file("share/extension/upx--1.0--1.1.sql", "\\echo Use \"ALTER EXTENSION upx UPDATE TO '1.1'\" to load this file. \\quit\n" + mul);
        }
        return b.pack();
    }
}
