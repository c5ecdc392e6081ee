package dev.extfarm.fetcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL 17/18 of a farm runtime image: one container per test node, started through
 * Testcontainers with the host network (PostgreSQL reaches the in-process fetcher on
 * 127.0.0.1) and the node directory bind-mounted at the same path, so the fetcher on this side
 * and PostgreSQL in the container see the same installation prefix. The container itself only
 * sleeps; initdb, pg_ctl and psql run in it through exec, as its {@code postgres} user.
 */
final class ContainerRunner implements PgRunner {

    private final GenericContainer<?> container;

    private ContainerRunner(GenericContainer<?> container) {
        this.container = container;
    }

    @SuppressWarnings("resource") // closed by close()
    static ContainerRunner start(String image, Path nodeDir) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withCreateContainerCmdModifier(cmd -> bindSamePath(cmd, nodeDir))
                .withCommand("sleep", "infinity");
        c.start();
        return new ContainerRunner(c);
    }

    /**
     * Bind-mounts {@code dir} at the same path. Not withFileSystemBind: that first checks mounting
     * with a container of alpine:3.17, which cannot be pulled here (3.5 minutes of retries).
     */
    static void bindSamePath(CreateContainerCmd cmd, Path dir) {
        cmd.getHostConfig().withBinds(new Bind(dir.toString(), new Volume(dir.toString())));
    }

    @Override
    public Result run(boolean asPostgres, List<String> argv) throws Exception {
        // sh -c 'exec "$@" 2>&1' keeps stdout and stderr interleaved, as psql wrote them
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" 2>&1", "sh"));
        cmd.addAll(argv);
        var r = container.execInContainerWithUser(asPostgres ? "postgres" : "root", cmd.toArray(String[]::new));
        return new Result(r.getExitCode(), r.getStdout() + r.getStderr());
    }

    @Override
    public void chownPostgres(Path path) throws Exception {
        check(run(false, List.of("chown", "postgres:postgres", path.toString())), "chown " + path);
    }

    @Override
    public void copyInstallation(int major, Path root) throws Exception {
        check(run(false, List.of("cp", "-a", "/usr/lib/postgresql/" + major, root.resolve("usr/lib/postgresql/").toString())), "copy lib");
        check(run(false, List.of("cp", "-a", "/usr/share/postgresql/" + major, root.resolve("usr/share/postgresql/").toString())), "copy share");
    }

    private static void check(Result r, String what) throws IOException {
        if (r.exit() != 0) {
            throw new IOException(what + " in the container failed: " + r.output());
        }
    }

    @Override
    public void close() {
        container.stop();
    }
}
