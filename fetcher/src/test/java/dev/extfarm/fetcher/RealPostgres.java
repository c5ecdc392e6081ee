package dev.extfarm.fetcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A real PostgreSQL: a private relocated copy of an installation ({@code usr/lib/postgresql/N}
 * and {@code usr/share/postgresql/N} under one directory: PostgreSQL finds its share and lib
 * directories relative to its binary), initdb and pg_ctl as user {@code postgres}, listening on
 * a unix socket in a temp directory only. By default the machine's PostgreSQL 15 (hard-linked
 * when possible: the fetcher only ever renames new files in, never writes into existing ones);
 * the pg_extfarm tests also run PostgreSQL 17/18 of a runtime image through a {@link PgRunner}.
 */
final class RealPostgres implements AutoCloseable {

    static final Path SYSTEM_LIB = Path.of("/usr/lib/postgresql/15");
    static final Path SYSTEM_SHARE = Path.of("/usr/share/postgresql/15");

    final int major;
    final Path root;
    final Path bin;
    final Path share;
    final Path lib;
    final Path data;
    final Path socketDir;
    final int port;
    private final PgRunner runner;
    private boolean started;
    private int scripts;

    private RealPostgres(Path root, int major, PgRunner runner) throws Exception {
        this.major = major;
        this.runner = runner;
        this.root = root;
        this.bin = root.resolve("usr/lib/postgresql/" + major + "/bin");
        this.lib = root.resolve("usr/lib/postgresql/" + major + "/lib");
        this.share = root.resolve("usr/share/postgresql/" + major);
        this.data = root.resolve("data");
        this.socketDir = root.resolve("sock");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    static boolean available() {
        return Files.isExecutable(SYSTEM_LIB.resolve("bin/postgres"));
    }

    /** A fresh relocated copy of this machine's PostgreSQL 15 (not initialised) in a new directory under {@code base}. */
    static RealPostgres install(Path base) throws Exception {
        return install(base, 15, PgRunner.Local.INSTANCE);
    }

    /** A fresh relocated copy of PostgreSQL {@code major} as {@code runner} sees it, in a new directory under {@code base}. */
    static RealPostgres install(Path base, int major, PgRunner runner) throws Exception {
        Path root = Files.createTempDirectory(base, "pg" + major + "-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        RealPostgres pg = new RealPostgres(root, major, runner);
        Files.createDirectories(root.resolve("usr/lib/postgresql"));
        Files.createDirectories(root.resolve("usr/share/postgresql"));
        runner.copyInstallation(major, root);
        return pg;
    }

    Path pgConfig() {
        return bin.resolve("pg_config");
    }

    /** initdb + start with these extra settings (e.g. shared_preload_libraries). */
    void start(String... settings) throws Exception {
        if (!Files.exists(data)) {
            Files.createDirectories(data);
            Files.createDirectories(socketDir);
            runner.chownPostgres(data);
            runner.chownPostgres(socketDir);
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
        PgRunner.Result r = runner.run(false, psql("-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql));
        if (r.exit() != 0) {
            throw new PsqlException(r.output().strip());
        }
        return r.output().strip();
    }

    /**
     * As {@link #sql}, connected as {@code user} to {@code db}, with {@code options} (the
     * connection's {@code options}, through PGOPTIONS, e.g. {@code -c session_preload_libraries=x}) unless null.
     */
    String sqlAs(String user, String db, String options, String sql) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (options != null) {
            cmd.addAll(List.of("env", "PGOPTIONS=" + options));
        }
        cmd.addAll(List.of(bin.resolve("psql").toString(), "-X", "-h", socketDir.toString(), "-p", Integer.toString(port), "-U", user,
                "-d", db, "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql));
        PgRunner.Result r = runner.run(false, cmd);
        if (r.exit() != 0) {
            throw new PsqlException(r.output().strip());
        }
        return r.output().strip();
    }

    /** One psql session running the script without stopping on errors; stdout and stderr together. */
    String session(String script) throws Exception {
        Path file = root.resolve("script-" + (++scripts) + ".sql");
        Files.writeString(file, script);
        return runner.run(false, psql("-A", "-t", "-q", "-f", file.toString())).output();
    }

    /** Runs one of this installation's programs (pg_dump, psql …) with the connection options; throws on failure. */
    String tool(String program, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve(program).toString(), "-h", socketDir.toString(), "-p",
                Integer.toString(port), "-U", "postgres"));
        cmd.addAll(List.of(args));
        PgRunner.Result r = runner.run(false, cmd);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + r.output());
        }
        return r.output();
    }

    private List<String> psql(String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("psql").toString(), "-X", "-h", socketDir.toString(), "-p",
                Integer.toString(port), "-U", "postgres", "-d", "postgres"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    String conninfo() {
        return "host=" + socketDir + " port=" + port + " user=postgres dbname=postgres";
    }

    /**
     * What the fetcher's {@code --psql} reads this PostgreSQL with. In a container, the image's
     * psql may not run on this machine (a newer glibc): this machine's psql 15 connects to the
     * bind-mounted socket instead (psql talks to newer servers).
     */
    PgCatalog catalog() {
        Path psql = runner instanceof PgRunner.Local ? bin.resolve("psql") : SYSTEM_LIB.resolve("bin/psql");
        return new PgCatalog(psql.toString(), "host=" + socketDir + " port=" + port + " user=postgres");
    }

    static final class PsqlException extends Exception {
        PsqlException(String m) {
            super(m);
        }
    }

    private void asPostgres(String shell) throws Exception {
        PgRunner.Result r = runner.run(true, List.of("sh", "-c", shell));
        if (r.exit() != 0) {
            String log = Files.exists(data.resolve("log.txt")) ? Files.readString(data.resolve("log.txt")) : "";
            throw new IOException("'" + shell + "' failed: " + r.output() + "\n" + log);
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        PgRunner.Local.INSTANCE.run(false, List.of("rm", "-rf", root.toString()));
    }
}
