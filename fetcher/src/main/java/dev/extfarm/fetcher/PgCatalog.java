package dev.extfarm.fetcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Reads {@code pg_extension} of every database that accepts connections, through {@code psql}
 * (no JDBC driver in the fetcher). Optional: without it, the node-local record of on-demand
 * requests is what tells the fetcher an extension is in use.
 *
 * @param psql    path of psql
 * @param conninfo a libpq connection string, e.g. {@code host=/run/postgresql port=5432 user=postgres}
 */
public record PgCatalog(String psql, String conninfo) {

    /** Names of the extensions created in some database; throws if PostgreSQL cannot be reached. */
    public Set<String> createdExtensions() throws IOException {
        Set<String> out = new TreeSet<>();
        for (String db : query(conninfo, "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1")) {
            out.addAll(query(conninfo + " dbname='" + db.replace("\\", "\\\\").replace("'", "\\'") + "'",
                    "SELECT extname FROM pg_extension"));
        }
        return out;
    }

    /**
     * The preload settings of roles and databases ({@code ALTER ROLE / ALTER DATABASE ... SET}, in
     * {@code pg_db_role_setting}, a shared catalog): every library they name, session ones and
     * local ones (library names, normalised as in {@link FetcherSettings.Preload}).
     */
    public FetcherSettings.Preload roleAndDatabasePreload() throws IOException {
        List<String> session = new ArrayList<>();
        List<String> local = new ArrayList<>();
        for (String s : query(conninfo, "SELECT c FROM pg_db_role_setting, unnest(setconfig) AS c"
                + " WHERE c ILIKE 'session\\_preload\\_libraries=%' OR c ILIKE 'local\\_preload\\_libraries=%'")) {
            int eq = s.indexOf('=');
            List<String> libs = PostgresqlConf.list(s.substring(eq + 1));
            (s.substring(0, eq).equalsIgnoreCase("local_preload_libraries") ? local : session).addAll(libs);
        }
        return new FetcherSettings.Preload(List.of(), session, local);
    }

    private List<String> query(String conn, String sql) throws IOException {
        Process p = new ProcessBuilder(psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn, "-c", sql)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("psql failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        List<String> rows = new ArrayList<>();
        out.lines().map(String::strip).filter(s -> !s.isEmpty()).forEach(rows::add);
        return rows;
    }
}
