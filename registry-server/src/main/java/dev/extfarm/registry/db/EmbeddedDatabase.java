package dev.extfarm.registry.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The embedded PostgreSQL used when no external database is configured: real PostgreSQL binaries
 * (zonky), data under {@code <data-dir>/pg}, kept across restarts, listening on 127.0.0.1 only.
 * Started on the first look-up of the JDBC URL (see {@link EmbeddedDatabaseConfigSourceFactory}),
 * stopped when the application stops.
 */
public final class EmbeddedDatabase {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);
    private static EmbeddedPostgres running;
    private static Path runningDir;
    private static Thread hook;

    private EmbeddedDatabase() {
    }

    /** Starts PostgreSQL on {@code pgDir} unless it already runs there, and returns its JDBC URL. */
    public static synchronized String jdbcUrl(Path pgDir) {
        Path dir = pgDir.toAbsolutePath().normalize();
        if (running != null && dir.equals(runningDir)) {
            return url(running);
        }
        stop();
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            stopOrphanedPostmaster(dir);
            running = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "100")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dir
                    + "; check that the directory is writable, or set EXTFARM_DB_URL to use an external PostgreSQL", e);
        }
        runningDir = dir;
        if (hook == null) {
            hook = new Thread(EmbeddedDatabase::stop, "embedded-postgres-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        LOG.infof("embedded PostgreSQL started in %d ms on 127.0.0.1:%d, data in %s",
                (System.nanoTime() - t0) / 1_000_000, running.getPort(), dir);
        return url(running);
    }

    private static String url(EmbeddedPostgres pg) {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
    }

    public static synchronized Optional<Integer> port() {
        return running == null ? Optional.empty() : Optional.of(running.getPort());
    }

    public static synchronized void stop() {
        if (running == null) {
            return;
        }
        try {
            running.close();
            LOG.infof("embedded PostgreSQL in %s stopped", runningDir);
        } catch (IOException e) {
            LOG.warnf("embedded PostgreSQL in %s did not stop cleanly: %s", runningDir, e.getMessage());
        } finally {
            running = null;
            runningDir = null;
        }
    }

    /**
     * A server killed with SIGKILL leaves its postmaster running on the data directory. Ask it to
     * stop (SIGTERM: its clients are gone), so that this process can start its own.
     */
    static void stopOrphanedPostmaster(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() < 2 || !Path.of(lines.get(1).strip()).toAbsolutePath().normalize().equals(dir)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> proc = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (proc.isEmpty()) {
            return;
        }
        LOG.warnf("a PostgreSQL (pid %d) left by an earlier run still uses %s; stopping it", pid, dir);
        proc.get().destroy();
        try {
            proc.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            proc.get().destroyForcibly();
        }
    }
}
