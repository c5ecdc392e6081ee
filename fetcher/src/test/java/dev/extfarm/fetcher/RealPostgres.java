package dev.extfarm.fetcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL 15: a private relocated copy of the machine's binaries ({@code
 * /usr/lib/postgresql/15} and {@code /usr/share/postgresql/15} under one directory, hard-linked
 * when possible: the fetcher only ever renames new files in, never writes into existing ones),
 * initdb and pg_ctl as user {@code postgres} when run as root, listening on a unix socket in a
 * temp directory only.
 */
final class RealPostgres implements AutoCloseable {

    static final Path SYSTEM_LIB = Path.of("/usr/lib/postgresql/15");
    static final Path SYSTEM_SHARE = Path.of("/usr/share/postgresql/15");

    final Path root;
    final Path bin;
    final Path share;
    final Path lib;
    final Path data;
    final Path socketDir;
    final int port;
    private boolean started;

    private RealPostgres(Path root) throws Exception {
        this.root = root;
        this.bin = root.resolve("usr/lib/postgresql/15/bin");
        this.lib = root.resolve("usr/lib/postgresql/15/lib");
        this.share = root.resolve("usr/share/postgresql/15");
        this.data = root.resolve("data");
        this.socketDir = root.resolve("sock");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    static boolean available() {
        return Files.isExecutable(SYSTEM_LIB.resolve("bin/postgres"));
    }

    /** A fresh relocated installation (not initialised) in a new directory under {@code base}. */
    static RealPostgres install(Path base) throws Exception {
        Path root = Files.createTempDirectory(base, "pg15-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        RealPostgres pg = new RealPostgres(root);
        Files.createDirectories(root.resolve("usr/lib/postgresql"));
        Files.createDirectories(root.resolve("usr/share/postgresql"));
        copy(SYSTEM_LIB, root.resolve("usr/lib/postgresql/15"));
        copy(SYSTEM_SHARE, root.resolve("usr/share/postgresql/15"));
        return pg;
    }

    private static void copy(Path from, Path to) throws Exception {
        if (run(List.of("cp", "-al", from.toString(), to.toString())) != 0) {
            run(List.of("rm", "-rf", to.toString()));
            if (run(List.of("cp", "-a", from.toString(), to.toString())) != 0) {
                throw new IOException("cannot copy " + from);
            }
        }
    }

    Path pgConfig() {
        return bin.resolve("pg_config");
    }

    /** initdb + start with these extra settings (e.g. shared_preload_libraries). */
    void start(String... settings) throws Exception {
        if (!Files.exists(data)) {
            Files.createDirectories(data);
            Files.createDirectories(socketDir);
            chownPostgres(data);
            chownPostgres(socketDir);
            asPostgres(bin.resolve("initdb") + " -D " + data + " -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null");
        }
        StringBuilder opts = new StringBuilder("-c listen_addresses='' -c unix_socket_directories='" + socketDir + "' -p " + port
                + " -c fsync=off");
        for (String s : settings) {
            opts.append(" -c ").append(s);
        }
        asPostgres(bin.resolve("pg_ctl") + " -D " + data + " -l " + data.resolve("log.txt") + " -w -t 60 -o \"" + opts + "\" start >/dev/null");
        started = true;
    }

    void stop() throws Exception {
        if (started) {
            asPostgres(bin.resolve("pg_ctl") + " -D " + data + " -m fast -w stop >/dev/null");
            started = false;
        }
    }

    /** Runs SQL with psql; returns the unaligned, tuples-only output; throws with psql's message on error. */
    String sql(String sql) throws Exception {
        List<String> cmd = List.of(bin.resolve("psql").toString(), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", socketDir.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres", "-c", sql);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new PsqlException(out);
        }
        return out;
    }

    String conninfo() {
        return "host=" + socketDir + " port=" + port + " user=postgres dbname=postgres";
    }

    PgCatalog catalog() {
        return new PgCatalog(bin.resolve("psql").toString(), "host=" + socketDir + " port=" + port + " user=postgres");
    }

    static final class PsqlException extends Exception {
        PsqlException(String m) {
            super(m);
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void chownPostgres(Path p) throws Exception {
        if (root()) {
            run(List.of("chown", "postgres:postgres", p.toString()));
        }
    }

    private void asPostgres(String shell) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (root()) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of("sh", "-c", shell));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            String log = Files.exists(data.resolve("log.txt")) ? Files.readString(data.resolve("log.txt")) : "";
            throw new IOException("'" + shell + "' failed: " + out + "\n" + log);
        }
    }

    private static int run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(120, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Override
    public void close() throws Exception {
        stop();
        run(List.of("rm", "-rf", root.toString()));
    }
}
