package dev.extfarm.fetcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a test PostgreSQL's programs (initdb, pg_ctl, psql, pg_dump) run: on this machine, or in
 * a container of a runtime image that sees the node directory at the same path.
 */
interface PgRunner extends AutoCloseable {

    /** Exit code and stdout+stderr (interleaved as written). */
    record Result(int exit, String output) {
    }

    /** Runs argv, as the PostgreSQL OS user {@code postgres} when asked (and when running as root). */
    Result run(boolean asPostgres, List<String> argv) throws Exception;

    /** Gives {@code path} to the PostgreSQL OS user (data and socket directories). */
    void chownPostgres(Path path) throws Exception;

    /**
     * Copies the PostgreSQL installation ({@code usr/lib/postgresql/N}, {@code usr/share/postgresql/N})
     * under {@code root}: a relocated copy the fetcher may install into.
     */
    void copyInstallation(int major, Path root) throws Exception;

    @Override
    default void close() throws Exception {
    }

    /** This machine's PostgreSQL (Debian's postgresql-15): {@code runuser} to postgres when root. */
    final class Local implements PgRunner {

        static final Local INSTANCE = new Local();

        private Local() {
        }

        @Override
        public Result run(boolean asPostgres, List<String> argv) throws Exception {
            List<String> cmd = new ArrayList<>();
            if (asPostgres && root()) {
                cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            cmd.addAll(argv);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + "\n(timed out after 120 s)");
            }
            return new Result(p.exitValue(), out);
        }

        @Override
        public void chownPostgres(Path path) throws Exception {
            if (root()) {
                run(false, List.of("chown", "postgres:postgres", path.toString()));
            }
        }

        @Override
        public void copyInstallation(int major, Path root) throws Exception {
            copy(Path.of("/usr/lib/postgresql/" + major), root.resolve("usr/lib/postgresql/" + major));
            copy(Path.of("/usr/share/postgresql/" + major), root.resolve("usr/share/postgresql/" + major));
        }

        /** Hard links when possible: the fetcher only ever renames new files in, never writes into existing ones. */
        private void copy(Path from, Path to) throws Exception {
            if (run(false, List.of("cp", "-al", from.toString(), to.toString())).exit() != 0) {
                run(false, List.of("rm", "-rf", to.toString()));
                Result r = run(false, List.of("cp", "-a", from.toString(), to.toString()));
                if (r.exit() != 0) {
                    throw new java.io.IOException("cannot copy " + from + ": " + r.output());
                }
            }
        }

        private static boolean root() {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
