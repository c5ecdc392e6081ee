package dev.extfarm.worker.farm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server from the system's binaries (Debian's postgresql-15), as its own process
 * on 127.0.0.1, so a fault test can stop and start it under the registry's feet. PostgreSQL refuses
 * to run as root: when the tests run as root, every command runs as the {@code postgres} user.
 */
final class LocalPostgres implements AutoCloseable {

    static final Path BIN = Path.of(System.getenv().getOrDefault("EXTFARM_PG_BIN", "/usr/lib/postgresql/15/bin"));

    final Path dir;
    final int port;

    private LocalPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** initdb (trust auth, loopback only), start, and create database {@code extfarm}. */
    static LocalPostgres start(Path parent) throws Exception {
        Path dir = Files.createDirectories(parent.resolve("pg"));
        run("chmod", "755", parent.toString());
        run("chown", "-R", pgUser(), dir.toString());
        LocalPostgres pg = new LocalPostgres(dir, JavaProcess.freePort());
        runAsPg(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--no-sync", "--no-instructions");
        pg.startServer();
        try (Connection c = pg.connect("postgres")) {
            c.createStatement().execute("CREATE DATABASE extfarm");
        }
        return pg;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/extfarm";
    }

    Connection connect() throws SQLException {
        return connect("extfarm");
    }

    private Connection connect(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, "postgres", "");
    }

    /** Starts the server on the same port and data directory (again, after {@link #stop}). */
    void startServer() throws Exception {
        // fsync off: the faults are in the processes, not in the disk, and the machine is shared
        runAsPg(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off -c max_connections=200",
                "start");
    }

    /** {@code pg_ctl stop -m fast}: sessions are cut, like a restart by an operator or a failover. */
    void stop() throws Exception {
        runAsPg(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    @Override
    public void close() throws Exception {
        if (Files.exists(dir.resolve("data/postmaster.pid"))) {
            runAsPg(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        }
    }

    private static String pgUser() {
        return "root".equals(System.getProperty("user.name")) ? "postgres" : System.getProperty("user.name");
    }

    private static void runAsPg(String... cmd) throws Exception {
        List<String> full = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(cmd));
        run(full.toArray(String[]::new));
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
