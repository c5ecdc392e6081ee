package dev.extfarm.registry.names;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code V50__extension_names.sql} on a registry that stored bundles before names were owned: the
 * first publication of each name wins, later carriers are left as they are (and show up as
 * conflicts), secondary control files and bundled dependencies claim nothing.
 */
class ExtensionNameBackfillTest {

    @TempDir
    Path dir;

    @Test
    void theFirstPublicationOfANameOwnsItAndLaterCarriersAreLeftAsTheyAre() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg")).setCleanDataDirectory(true)
                .setServerConfig("listen_addresses", "127.0.0.1").start()) {
            DataSource ds = pg.getPostgresDatabase();
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("40").load().migrate();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO extension (name) VALUES ('pubext'), ('shadow'), ('gis'), ('evil')");
                bundle(s, "a", "gis", "2026-01-01", "{gis,gis_raster,gis--1.1}", "{gis-3}", "{libdep.so}",
                        "lib/gis-3.so", "lib/libdep.so", "lib/unlisted.so", "lib/libcurl.so.4", "lib/bitcode/gis-3/x.bc");
                bundle(s, "b", "pubext", "2026-02-01", "{pubext}", "{pubext}", "{}", "lib/pubext.so");
                bundle(s, "c", "shadow", "2026-03-01", "{shadow,pubext}", "{}", "{}");
                bundle(s, "d", "evil", "2026-04-01", "{evil,plpgsql}", "{}", "{}", "lib/pubext.so", "lib/plpgsql.so");
                // the same name, the same moment: the smaller sha-256 wins (a stable choice)
                bundle(s, "f", "evil", "2026-05-01", "{tied}", "{}", "{}");
                bundle(s, "e", "shadow", "2026-05-01", "{tied}", "{}", "{}");
            }
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
            Map<String, String> owners = new TreeMap<>();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT kind, name, owner FROM extension_name")) {
                while (r.next()) {
                    owners.put(r.getString(1) + " " + r.getString(2), r.getString(3));
                }
            }
            assertThat(owners).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                    Map.entry("control gis", "gis"), Map.entry("control gis_raster", "gis"),
                    Map.entry("library gis-3", "gis"), Map.entry("library unlisted", "gis"),
                    Map.entry("control pubext", "pubext"), Map.entry("library pubext", "pubext"),
                    Map.entry("control shadow", "shadow"), Map.entry("control tied", "shadow"),
                    Map.entry("control evil", "evil"), Map.entry("control plpgsql", "evil"), Map.entry("library plpgsql", "evil")));
        }
    }

    private static void bundle(Statement s, String shaChar, String extension, String day, String extensions, String libraries,
                               String bundled, String... files) throws Exception {
        StringBuilder list = new StringBuilder();
        for (String f : files) {
            list.append(list.length() == 0 ? "" : ",").append("{\"path\":\"").append(f).append("\",\"size\":1,\"sha256\":\"")
                    .append("0".repeat(64)).append("\",\"mode\":\"0644\"}");
        }
        s.execute("INSERT INTO bundle (sha256, extension_name, version, pg_major, platform, size, extensions, requires, libraries, "
                + "bundled_libraries, system_libraries, shared_preload, preload, license, review_state, manifest, created_at) VALUES ('"
                + shaChar.repeat(64) + "', '" + extension + "', '1.0', 17, 'debian-12-amd64-glibc', 1, '" + extensions + "', '{}', '"
                + libraries + "', '" + bundled + "', '{}', false, false, 'MIT', 'approved', '{\"files\": [" + list + "]}', '" + day + "')");
    }
}
