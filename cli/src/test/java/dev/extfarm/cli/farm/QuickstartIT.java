package dev.extfarm.cli.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.CliRun;
import dev.extfarm.cli.api.ApiClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The quickstart as a person runs it: the real {@code ./extfarm up} script from the repository
 * root, on a fresh data directory and free ports, with the real registry, worker, Docker engine,
 * builder images and upstream sources. One test method, because it is one story: up, what it
 * printed and published, up again (nothing rebuilt, under a minute), down (nothing left).
 *
 * <p>CI builds for bookworm-pg15 only (the images it builds in the background; every real recipe
 * builds there), set by {@code -Dextfarm.quickstart.targets}. Sources come from the verified cache
 * that `.ci/run` fills ({@code EXTFARM_SOURCE_CACHE}): the test sends no traffic beyond 127.0.0.1.
 *
 * <p>In CI ({@code CI=true}) {@code up} gets a sample of the catalog, one recipe per kind (PGXS
 * tarball with a regression suite, git source, preload library with per-major variants, client
 * program, library without a control file, autoconf build): {@code RealRecipesBuildTest} already
 * builds the whole catalog in that run, and a second pass through {@code up} would add a quarter of
 * an hour. {@code -Dextfarm.quickstart.recipes=all} (the default outside CI) or a comma-separated
 * list chooses.
 */
public class QuickstartIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String TARGETS = System.getProperty("extfarm.quickstart.targets", "bookworm-pg15");
    static final int PG = Integer.parseInt(TARGETS.replaceAll("(?s).*?-pg(\\d+).*", "$1"));
    static final String CI_SAMPLE = "ip4r,vector,pgaudit,pg_repack,pgextwlist,repmgr";
    static final String RECIPES = System.getProperty("extfarm.quickstart.recipes",
            "true".equals(System.getenv("CI")) ? CI_SAMPLE : "all");
    static final String SOURCE_CACHE = System.getenv().getOrDefault("EXTFARM_SOURCE_CACHE", "/var/cache/extfarm/sources");

    static Path data;
    static int port;

    public record Run(int code, String output, Duration took) {
    }

    @BeforeAll
    static void prepare() throws Exception {
        awaitImages();
        data = Files.createTempDirectory("extfarm-quickstart-it");
        port = freePortPair();
    }

    @AfterAll
    static void stopWhatIsLeft() throws Exception {
        if (data != null) {
            extfarm(Duration.ofMinutes(2), "down", "--data", data.toString(), "--purge"); // whatever the test left running, and the temp data
        }
    }

    @Test
    void upPublishesEveryRecipeThenReusesEverythingAndDownLeavesNothing() throws Exception {
        List<String> recipes;
        try (Stream<Path> s = Files.list(ROOT.resolve("recipes"))) {
            recipes = s.filter(p -> Files.exists(p.resolve("recipe.yaml"))).map(p -> p.getFileName().toString())
                    .filter(r -> RECIPES.equals("all") || List.of(RECIPES.split(",")).contains(r)).sorted().toList();
        }
        assertThat(recipes).as("recipes chosen by extfarm.quickstart.recipes=" + RECIPES).isNotEmpty();
        List<String> recipeArgs = RECIPES.equals("all") ? List.of()
                : Stream.concat(Stream.of("--recipes"), recipes.stream().map(r -> "recipes/" + r)).toList();
        URI base = URI.create("http://127.0.0.1:" + port);

        // 1. The first run: builds every recipe for the served major and prints the summary table.
        Run first = extfarm(Duration.ofMinutes(40), upArgs(recipeArgs));
        assertThat(first.code()).as(first.output()).isZero();
        assertThat(firstUrl(first.output())).isEqualTo(base.toString());
        assertThat(first.output()).contains("[1/6]", "[3/6]", "[5/6]", "[6/6]", "Done in", "web UI and API:  " + base + "/");
        String table = first.output().substring(first.output().lastIndexOf("\nextension ") + 1);
        assertThat(table.lines().findFirst().orElseThrow()).contains("PG " + PG);
        for (String r : recipes) {
            assertThat(table).as("summary row of " + r).containsPattern("(?m)^" + r + " +ok");
        }
        // reproducibility rebuilds are not cells of their own; the figures per major follow the table
        assertThat(table).containsPattern("upstream regression suites \\(of the bundles built\\): PG " + PG + ": \\d+ of "
                + recipes.size() + " ran one, \\d+ green").contains("reproducibility (each new bundle rebuilt and compared): PG " + PG + ": ");

        // 2. What it published, through the API: every recipe's bundle for that major, downloadable, intact.
        ApiClient admin = new ApiClient(base, Files.readString(data.resolve("registry/admin-token")).strip());

        // The layout: the registry and the worker in separate directories, every secret 0600 and
        // none of them in the worker's directory (its working directory).
        FarmLayout layout = new FarmLayout(data);
        for (Path secret : List.of(layout.adminToken(), layout.signingKey(), layout.workerToken(), layout.maintainerToken())) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
                    .as(secret.toString()).isEqualTo("rw-------");
        }
        String adminToken = Files.readString(layout.adminToken()).strip();
        try (Stream<Path> s = Files.walk(layout.worker())) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f + " in the worker's directory").doesNotContain(adminToken);
            }
        }
        long workerPid = Long.parseLong(Files.readString(layout.run().resolve("worker.pid")).strip());
        assertThat(Path.of("/proc/" + workerPid + "/cwd").toRealPath()).as("the worker's working directory").isEqualTo(layout.worker().toRealPath());
        for (String r : recipes) {
            JsonNode ext = admin.get("/api/v1/extensions/" + r);
            JsonNode bundle = null;
            for (JsonNode v : ext.path("versions")) {
                for (JsonNode b : v.path("bundles")) {
                    if (b.path("pg_major").asInt() == PG) {
                        bundle = b;
                    }
                }
            }
            assertThat(bundle).as(r + " has a bundle for PostgreSQL " + PG).isNotNull();
            byte[] tar = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/" + bundle.path("address").asText())).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).body();
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar))).isEqualTo(bundle.path("sha256").asText());
        }
        CliRun.Result listed = CliRun.run("extensions", "--pg", String.valueOf(PG), "--output", "json", "--registry", base.toString());
        assertThat(listed.code()).as(listed.toString()).isZero();
        recipes.forEach(r -> assertThat(listed.out()).contains("\"name\" : \"" + r + "\""));
        long builds = admin.get("/api/v1/builds?size=1").path("total").asLong();

        // 3. Again: nothing pushed or built, back in under a minute.
        Run again = extfarm(Duration.ofMinutes(5), upArgs(recipeArgs));
        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.output()).contains("following 0 builds");
        recipes.forEach(r -> assertThat(again.output()).containsPattern("(?m)^  " + r + " +unchanged, nothing scheduled$"));
        assertThat(admin.get("/api/v1/builds?size=1").path("total").asLong()).isEqualTo(builds);
        assertThat(again.took()).isLessThan(Duration.ofMinutes(1));

        // 4. Down: no listener, no process of this farm left; the data stays.
        Run down = extfarm(Duration.ofMinutes(2), "down", "--data", data.toString());
        assertThat(down.code()).as(down.output()).isZero();
        assertThat(down.output()).contains("stopped worker", "stopped registry");
        assertThat(listening(port)).as("registry port").isFalse();
        assertThat(listening(port + 1)).as("worker port").isFalse();
        assertThat(processesUsing(data)).as("processes of this farm (registry, worker, embedded PostgreSQL)").isEmpty();
        assertThat(data.resolve("registry/admin-token")).exists();
    }

    private static String[] upArgs(List<String> recipeArgs) {
        return Stream.concat(Stream.of("up", "--port", String.valueOf(port), "--data", data.toString(), "--targets", TARGETS,
                "--source-cache", SOURCE_CACHE), recipeArgs.stream()).toArray(String[]::new);
    }

    /** Runs ./extfarm from the repository root, its output echoed for the CI log. */
    public static Run extfarm(Duration timeout, String... args) throws Exception {
        List<String> command = Stream.concat(Stream.of("./extfarm"), Stream.of(args)).toList();
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().remove("EXTFARM_DATA_DIR");
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.out.println("[extfarm " + args[0] + "] " + line);
                    synchronized (out) {
                        out.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("./extfarm " + String.join(" ", args) + " did not finish in " + timeout + ":\n" + out);
        }
        reader.join(10_000);
        synchronized (out) {
            return new Run(p.exitValue(), out.toString(), Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    static String firstUrl(String output) {
        var m = java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:\\d+").matcher(output);
        return m.find() ? m.group() : "";
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static List<String> processesUsing(Path dir) {
        String d = dir.toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(h -> h.pid() + " " + h.info().commandLine().orElse(""))
                .filter(c -> c.contains(d)).toList();
    }

    /** A free port whose successor is free too (the worker listens on port + 1). */
    public static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = a.getLocalPort();
                if (p < 65535) {
                    try (ServerSocket b = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                        return p;
                    } catch (IOException taken) {
                        // try another
                    }
                }
            }
        }
        throw new IOException("no two consecutive free ports on 127.0.0.1");
    }

    /** CI builds the images in the background and exports the builder's pid; wait for it. */
    public static void awaitImages() throws InterruptedException {
        String pid = System.getenv("EXTFARM_IMAGES_PID");
        if (pid == null || pid.isBlank()) {
            return;
        }
        var builder = ProcessHandle.of(Long.parseLong(pid.strip()));
        long deadline = System.nanoTime() + Duration.ofMinutes(40).toNanos();
        while (builder.isPresent() && builder.get().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2000);
        }
    }
}
