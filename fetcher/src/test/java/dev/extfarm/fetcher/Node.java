package dev.extfarm.fetcher;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.fetcher.download.DownloadSettings;
import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.fetcher.spec.SpecSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One compute node for a test: a relocated PostgreSQL 15 (started only by tests that need it), a
 * state directory, and fetchers built against a {@link TestRegistry}. The pg_extfarm tests also
 * make nodes of PostgreSQL 17/18 in a runtime image's container ({@link #Node(PgTarget)}).
 */
final class Node implements AutoCloseable {

    static final Path BASE = base();

    final Path dir;
    final RealPostgres pg;
    final Path state;
    final Path cache;
    final StringWriter logText = new StringWriter();
    final List<Fetcher> fetchers = new ArrayList<>();
    private final PgRunner runner;

    private static Path base() {
        try {
            Path b = Path.of(System.getProperty("java.io.tmpdir"), "extfarm-fetcher-tests");
            Files.createDirectories(b);
            Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwxr-xr-x"));
            return b;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Node() throws Exception {
        this(PgTarget.LOCAL_15);
    }

    /** A node of this PostgreSQL: the machine's 15, or 17/18 in a container of the target's runtime image. */
    Node(PgTarget target) throws Exception {
        if (target.local()) {
            org.junit.jupiter.api.Assumptions.assumeTrue(RealPostgres.available(),
                    "PostgreSQL 15 server binaries are needed in " + RealPostgres.SYSTEM_LIB + " (apt-get install postgresql-15)");
        }
        dir = Files.createTempDirectory(BASE, "node-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        runner = target.local() ? PgRunner.Local.INSTANCE : ContainerRunner.start(target.image("runtime"), dir);
        pg = RealPostgres.install(dir, target.major(), runner);
        state = dir.resolve("state");
        cache = dir.resolve("cache");
    }

    PgLayout layout() throws FetchException {
        if (runner instanceof PgRunner.Local) {
            return PgLayout.fromPgConfig(pg.pgConfig());
        }
        // the image's pg_config may not run on this machine (a newer glibc): the same directories, given
        return PgLayout.shared(pg.share, pg.lib, pg.bin);
    }

    FetcherSettings.Builder settings(TestRegistry registry) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        return FetcherSettings.builder().trust(registry.trust())
                .spec(SpecSource.registry(http, registry.specUrl(), registry.computeToken(), Duration.ofSeconds(10)))
                .layout(layout()).stateDir(state).cacheDir(cache).refresh(Duration.ZERO).backgroundHold(Duration.ZERO)
                .download(new DownloadSettings(Duration.ofSeconds(5), 4, Duration.ofMillis(100), Duration.ofSeconds(1)));
    }

    Fetcher fetcher(TestRegistry registry, Consumer<FetcherSettings.Builder> tune) throws Exception {
        FetcherSettings.Builder b = settings(registry);
        tune.accept(b);
        Fetcher f = new Fetcher(b.build(), new Log(new PrintWriter(logText, true), false));
        fetchers.add(f);
        return f;
    }

    Fetcher fetcher(TestRegistry registry) throws Exception {
        return fetcher(registry, b -> { });
    }

    String log() {
        return logText.toString();
    }

    Path extension(String file) {
        return pg.share.resolve("extension").resolve(file);
    }

    Path marker(String extension) {
        return pg.share.resolve("extension/.extfarm").resolve(extension + ".installed");
    }

    /** Every file under share/ and lib/ whose name starts with the prefix (what a bundle left there). */
    List<Path> filesOf(String prefix) throws Exception {
        List<Path> out = new ArrayList<>();
        for (Path d : List.of(pg.share.resolve("extension"), pg.lib)) {
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(out::add);
            }
        }
        return out;
    }

    /** Temp files of interrupted installs (.extfarm-new.*) in the PostgreSQL directories. */
    List<Path> strayTempFiles() throws Exception {
        List<Path> out = new ArrayList<>();
        for (Path d : List.of(pg.share.resolve("extension"), pg.lib)) {
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(p -> p.getFileName().toString().startsWith(".extfarm-new.")).forEach(out::add);
            }
        }
        return out;
    }

    /** Asserts-free check: every recorded bundle is whole (files + markers) or only listed; returns problems. */
    List<String> problems(Fetcher f) {
        List<String> out = new ArrayList<>();
        for (InstalledRecord r : f.state().all()) {
            f.installer().problems(r).forEach(p -> out.add(r.label() + ": " + p));
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        System.out.println("--- fetcher log of " + dir + " ---\n" + log());
        fetchers.forEach(Fetcher::close);
        try {
            pg.close();
        } finally {
            runner.close(); // a container must not outlive its node (Ryuk is off here)
        }
        FileTrees.deleteRecursively(dir);
    }
}
