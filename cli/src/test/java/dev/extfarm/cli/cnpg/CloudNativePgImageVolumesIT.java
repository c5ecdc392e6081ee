package dev.extfarm.cli.cnpg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.extfarm.cli.CliRun;
import dev.extfarm.cli.farm.QuickstartIT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Farm-built bundles in a real PostgreSQL 18, the two ways compute nodes run them now (issue 24):
 *
 * <ol>
 *   <li>the fetcher's PostgreSQL 18 prefix ({@code extfarm fetch install --prefix}), its directories in
 *       {@code extension_control_path}/{@code dynamic_library_path} through its {@code extfarm.conf};
 *       and the same directory mounted somewhere else, so that the bundled libraries' RUNPATH
 *       {@code $ORIGIN} is shown to resolve from wherever the directory is;</li>
 *   <li>CloudNativePG image volumes: the stanza {@code extfarm cnpg extensions} prints, each image it
 *       names pulled by digest with skopeo from the farm's own OCI registry, its layer unpacked,
 *       mounted read-only at {@code /extensions/<name>}, and PostgreSQL configured exactly as CNPG
 *       derives it from a Cluster's {@code .spec.postgresql.extensions} ({@link CnpgSettings}).</li>
 * </ol>
 *
 * The bundles are built by the real pipeline ({@code ./extfarm up --targets sid-pg18}: registry,
 * worker, Docker, the sid-pg18 images, real sources): {@code semver}; {@code pgmemcache}, which
 * carries libmemcached.so.11 and libhashkit.so.2 (a bundled library needing another) in lib/; and the
 * fixture {@code semver_util} (src/test/resources/cnpg), which requires semver. Each scenario
 * creates the extensions in a new database of one PostgreSQL 18 container (the sid-pg18 runtime
 * image, reused by every scenario of the class) and checks a query and, through
 * {@code /proc/<backend>/maps}, the path the bundled library was loaded from.
 */
class CloudNativePgImageVolumesIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path FIXTURE = Path.of("src/test/resources/cnpg/semver_util").toAbsolutePath();
    static final String SOURCE_CACHE = System.getenv().getOrDefault("EXTFARM_SOURCE_CACHE", "/var/cache/extfarm/sources");
    static final boolean CI = "true".equals(System.getenv("CI"));
    static final ObjectMapper JSON = new ObjectMapper();
    /** Where the prefix is mounted a second time, to show the bundles do not depend on where they are. */
    static final String RELOCATED = "/srv/extfarm-prefix";

    static Path tmp;
    static Path data;
    static String registry;
    static String platform;
    static Path prefix;
    static JsonNode stanza;
    static String stanzaText;
    static final Map<String, Path> volumes = new LinkedHashMap<>();
    static final Map<String, byte[]> pulledManifests = new LinkedHashMap<>();
    static String container;
    static int scenario;
    static String upOutput;
    static String adminToken;

    @BeforeAll
    static void buildPullAndStart() throws Exception {
        QuickstartIT.awaitImages();
        String runtime = runtimeImage("sid-pg18");
        boolean skopeo = run(Duration.ofSeconds(30), "skopeo", "--version").code() == 0;
        if (CI && (runtime == null || !skopeo)) {
            throw new AssertionError("CI: the sid-pg18 runtime image (target/ci-images.log) and skopeo are installed by .ci/run");
        }
        Assumptions.assumeTrue(runtime != null, "no sid-pg18 images: infra/builder-images/build-images.sh sid-pg18");
        Assumptions.assumeTrue(skopeo, "skopeo is needed (apt-get install skopeo)");
        tmp = Files.createTempDirectory("extfarm-cnpg-it");
        data = tmp.resolve("farm");
        int port = QuickstartIT.freePortPair();
        registry = "http://127.0.0.1:" + port;

        // the farm builds the three bundles for PostgreSQL 18
        QuickstartIT.Run up = QuickstartIT.extfarm(Duration.ofMinutes(30), "up", "--port", String.valueOf(port), "--data",
                data.toString(), "--targets", "sid-pg18", "--source-cache", SOURCE_CACHE, "--recipes",
                ROOT.resolve("recipes/semver").toString(), ROOT.resolve("recipes/pgmemcache").toString(), FIXTURE.toString());
        assertThat(up.code()).as(up.output()).isZero();
        upOutput = up.output();
        for (String name : List.of("semver", "pgmemcache", "semver_util")) {
            assertThat(up.output()).as(name + " built for 18").containsPattern("(?m)ok +#\\d+ +" + name + " +pg18 +succeeded");
        }
        String admin = dev.extfarm.cli.api.LocalFarm.adminToken(data).orElseThrow(() -> new AssertionError("no admin token in " + data));
        adminToken = admin;
        platform = cli("extensions", "semver", "--output", "json", "--token", admin).path("versions").get(0).path("bundles")
                .findValues("platform").get(0).asText();

        // 1. the fetcher installs into a prefix of its own (semver comes as semver_util's requirement)
        prefix = tmp.resolve("prefix");
        cliText("tenant", "create", "node", "--token", admin);
        String compute = cli("token", "create", "--role", "compute", "--tenant", "node", "--label", "it", "--output", "json",
                "--token", admin).path("token").asText();
        Path tokenFile = Files.writeString(tmp.resolve("compute-token"), compute);
        CliRun.Result install = CliRun.run("fetch", "install", "semver_util", "pgmemcache", "--registry", registry, "--pg", "18",
                "--platform", platform, "--token-file", tokenFile.toString(), "--trust-registry-keys", "--prefix", prefix.toString(),
                "--state-dir", tmp.resolve("fetcher-state").toString(), "--progress", "plain");
        assertThat(install.code()).as(install.toString()).isZero();
        assertThat(install.out()).contains("semver_util: installed (semver_util 1.0)", "pgmemcache: installed (pgmemcache 2.3.0)");

        // 2. the stanza a CNPG user puts into their Cluster, and the images it names, pulled and unpacked
        CliRun.Result printed = CliRun.run("cnpg", "extensions", "semver_util", "pgmemcache", "--pg", "18", "--registry", registry);
        assertThat(printed.code()).as(printed.toString()).isZero();
        stanzaText = printed.out();
        stanza = new YAMLMapper().readTree(stanzaText);
        for (JsonNode e : stanza.path("extensions")) {
            String name = e.path("name").asText();
            String reference = e.path("image").path("reference").asText();
            Path layout = tmp.resolve("oci").resolve(name);
            Files.createDirectories(layout.getParent());
            Proc copy = run(Duration.ofMinutes(2), "skopeo", "copy", "--preserve-digests", "--src-tls-verify=false",
                    "docker://" + reference, "oci:" + layout + ":" + name);
            assertThat(copy.code()).as(copy.output()).isZero();
            volumes.put(name, unpack(layout, name, reference.substring(reference.indexOf('@') + 1)));
        }

        // one PostgreSQL 18 container for every scenario: the prefix twice, each image volume read-only
        container = "extfarm-cnpg-it-" + ProcessHandle.current().pid();
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("scenario.conf"), "");
        List<String> docker = new ArrayList<>(List.of("docker", "run", "-d", "--name", container, "--network", "none",
                "-v", conf + ":/conf:ro", "-v", prefix + ":" + prefix + ":ro", "-v", prefix + ":" + RELOCATED + ":ro"));
        volumes.forEach((name, dir) -> docker.addAll(List.of("-v", dir + ":/extensions/" + name + ":ro")));
        docker.addAll(List.of(runtime, "sleep", "infinity"));
        Proc started = run(Duration.ofMinutes(2), docker.toArray(String[]::new));
        assertThat(started.code()).as(started.output()).isZero();
        Proc initdb = exec(Map.of(), "initdb", "-D", "/tmp/pgdata", "-A", "trust", "-E", "UTF8");
        assertThat(initdb.code()).as(initdb.output()).isZero();
        Proc base = exec(Map.of(), "sh", "-c", "printf \"listen_addresses = ''\\nunix_socket_directories = '/tmp'\\n"
                + "include '/conf/scenario.conf'\\n\" >> /tmp/pgdata/postgresql.conf");
        assertThat(base.code()).as(base.output()).isZero();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (container != null) {
            run(Duration.ofMinutes(1), "docker", "rm", "-f", container);
        }
        if (data != null) {
            QuickstartIT.extfarm(Duration.ofMinutes(2), "down", "--data", data.toString(), "--purge");
        }
        if (tmp != null) {
            try (var files = Files.walk(tmp)) { // the prefix, the OCI layouts and the volumes
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void theFetchersPrefixServesPostgresql18ThroughItsConfigurationInclude() throws Exception {
        String conf = Files.readString(prefix.resolve("extfarm.conf"));
        assertThat(conf).contains("extension_control_path = '$system:").contains("dynamic_library_path = '$libdir:");
        String db = startWith("include '" + prefix.resolve("extfarm.conf") + "'\n", Map.of());
        assertLoaded(db, prefix + "/");
    }

    @Test
    void theFetchersPrefixMountedElsewhereStillLoadsItsBundledLibraries() throws Exception {
        // the same directory at another path: only the configuration names the new path; RUNPATH $ORIGIN does the rest
        String conf = Files.readString(prefix.resolve("extfarm.conf")).replace(prefix.toString(), RELOCATED);
        String db = startWith(conf, Map.of());
        assertLoaded(db, RELOCATED + "/");
    }

    @Test
    void theImagesMountedAsCloudNativePgDoesLoadWithTheSettingsTheStanzaDerives() throws Exception {
        // the stanza: CNPG's fields only, one entry per image it names, and semver added as semver_util's requirement
        JsonNode extensions = stanza.path("extensions");
        assertThat(extensions.findValuesAsText("name")).containsExactly("semver_util", "pgmemcache", "semver");
        for (JsonNode e : extensions) {
            assertThat(CnpgExtensionsCommandTest.CNPG_FIELDS).containsAll(CnpgExtensionsCommandTest.fieldNames(e));
            assertThat(e.path("image").path("reference").asText())
                    .matches("127\\.0\\.0\\.1:\\d+/extensions/" + e.path("name").asText() + "@sha256:[0-9a-f]{64}");
        }
        assertThat(stanza.has("shared_preload_libraries")).as("none of these bundles is preloaded").isFalse();
        assertThat(stanzaText).contains("libmemcached.so.11").contains("no ld_library_path needed");

        CnpgSettings settings = CnpgSettings.of(stanza);
        assertThat(settings.extensionControlPath())
                .isEqualTo("$system:/extensions/semver_util/share:/extensions/pgmemcache/share:/extensions/semver/share");
        assertThat(settings.dynamicLibraryPath())
                .isEqualTo("$libdir:/extensions/semver_util/lib:/extensions/pgmemcache/lib:/extensions/semver/lib");
        assertThat(settings.ldLibraryPath()).isEmpty();
        String db = startWith(settings.postgresqlConf(), settings.environment());
        assertLoaded(db, "/extensions/pgmemcache/");
        // read-only, as CNPG mounts image volumes
        Proc write = exec(Map.of(), "touch", "/extensions/semver/share/extension/x");
        assertThat(write.code()).isNotZero();
        assertThat(write.output()).contains("Read-only file system");
    }

    @Test
    void theImagesCarryTheStandardAnnotations() throws Exception {
        for (var m : pulledManifests.entrySet()) {
            JsonNode a = JSON.readTree(m.getValue()).path("annotations");
            assertThat(a.path("org.opencontainers.image.title").asText()).as(m.getKey()).isEqualTo(m.getKey());
            assertThat(a.path("org.opencontainers.image.version").asText()).as(m.getKey()).isNotEmpty();
            assertThat(a.path("org.opencontainers.image.licenses").asText()).as(m.getKey()).isNotEmpty();
            assertThat(a.path("org.opencontainers.image.created").asText()).as(m.getKey()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            assertThat(a.path("org.opencontainers.image.revision").asText()).as(m.getKey()).matches("sha256:[0-9a-f]{64}");
        }
        JsonNode semver = JSON.readTree(pulledManifests.get("semver")).path("annotations");
        assertThat(semver.path("org.opencontainers.image.source").asText())
                .isEqualTo("https://sources.debian.org/src/postgresql-semver/0.40.0-2/");
        assertThat(semver.path("org.opencontainers.image.revision").asText())
                .isEqualTo("sha256:3e50bcc29a0e2e481e7b6d2bc937cadc5f5869f55d983b5a1aafeb49f5425cfc");
        assertThat(semver.path("org.opencontainers.image.licenses").asText()).isEqualTo("PostgreSQL");
        // a source that travels with its recipe has no public URL
        assertThat(JSON.readTree(pulledManifests.get("semver_util")).path("annotations").has("org.opencontainers.image.source")).isFalse();
    }

    /**
     * The worker pushed each image (Jib) and the registry recorded that push as the bundle's image:
     * the digest the stanza names is the one in the build's log. Had the worker's bytes differed from
     * the registry's own {@code BundleImage} (they are built apart, from the bundle alone), the
     * registry would have made another image and moved the platform tag to it.
     */
    @Test
    void theImageTheStanzaNamesIsTheOneTheWorkerPushed() throws Exception {
        for (JsonNode e : stanza.path("extensions")) {
            String name = e.path("name").asText();
            java.util.regex.Matcher build = java.util.regex.Pattern.compile("ok +#(\\d+) +" + name + " +pg18 +succeeded").matcher(upOutput);
            assertThat(build.find()).as("the build of " + name).isTrue();
            CliRun.Result log = CliRun.run("build", "log", build.group(1), "--registry", registry, "--token", adminToken);
            assertThat(log.code()).as(log.toString()).isZero();
            String reference = e.path("image").path("reference").asText();
            assertThat(log.out()).as("build log of " + name).contains("pushed image " + reference);
        }
    }

    /**
     * Restarts PostgreSQL with this configuration (and environment, as CNPG gives the instance
     * manager LD_LIBRARY_PATH) and returns a new database to create extensions in.
     */
    static String startWith(String conf, Map<String, String> env) throws Exception {
        exec(Map.of(), "pg_ctl", "-D", "/tmp/pgdata", "-m", "fast", "-w", "stop");
        Files.writeString(tmp.resolve("conf/scenario.conf"), conf);
        Proc start = exec(env, "pg_ctl", "-D", "/tmp/pgdata", "-l", "/tmp/pg.log", "-w", "-t", "60", "start");
        assertThat(start.code()).as(start.output() + exec(Map.of(), "tail", "-20", "/tmp/pg.log").output()).isZero();
        String db = "s" + (++scenario);
        sql("postgres", "CREATE DATABASE " + db);
        return db;
    }

    /**
     * CREATE EXTENSION of all three (semver through CASCADE, as semver_util requires it), a checked
     * query of each, and the files the backend mapped for pgmemcache's bundled libraries: the
     * bundle's own lib/ under {@code root} (the kernel names them by their real path: in the
     * fetcher's prefix that is the store directory the bundle's link points at).
     */
    static void assertLoaded(String db, String root) throws Exception {
        sql(db, "CREATE EXTENSION semver_util CASCADE");
        sql(db, "CREATE EXTENSION pgmemcache");
        assertThat(sql(db, "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"))
                .isEqualTo("pgmemcache 2.3.0\nsemver 0.40.0\nsemver_util 1.0");
        assertThat(sql(db, "SELECT semver_is_major_bump('1.9.3', '2.0.0'), semver_is_major_bump('1.9.3', '1.10.0')")).isEqualTo("t|f");
        assertThat(sql(db, "SELECT '1.2.3'::semver < '1.10.0'::semver")).isEqualTo("t");
        String maps = sql(db, "SELECT memcache_server_add('127.0.0.1:11211'), pg_read_file('/proc/' || pg_backend_pid() || '/maps')");
        assertThat(maps).startsWith("t|");
        for (String library : List.of("libmemcached.so.11", "libhashkit.so.2")) { // libhashkit: libmemcached's own dependency
            assertThat(maps.lines().filter(l -> l.contains(library)).map(l -> l.substring(l.indexOf('/'))).toList())
                    .as(library + " is loaded, from the bundle's own lib/ under " + root).isNotEmpty()
                    .allMatch(path -> path.startsWith(root) && path.contains("pgmemcache") && path.endsWith("/lib/" + library));
        }
    }

    static String sql(String db, String statement) throws Exception {
        Proc p = exec(Map.of(), "psql", "-h", "/tmp", "-d", db, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", statement);
        assertThat(p.code()).as(statement + "\n" + p.output()).isZero();
        return p.output().strip();
    }

    /**
     * The image's one layer (an uncompressed tar: the bundle) applied to a new directory, as a
     * container runtime lays out an image volume; the manifest is the one the stanza names.
     */
    static Path unpack(Path layout, String name, String digest) throws Exception {
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        String manifestDigest = index.path("manifests").get(0).path("digest").asText();
        assertThat(manifestDigest).as("skopeo kept the digest the stanza names").isEqualTo(digest);
        byte[] manifest = Files.readAllBytes(blob(layout, manifestDigest));
        pulledManifests.put(name, manifest);
        JsonNode layers = JSON.readTree(manifest).path("layers");
        assertThat(layers).hasSize(1);
        assertThat(layers.get(0).path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar");
        Path dir = Files.createDirectories(tmp.resolve("volumes").resolve(name));
        Proc tar = run(Duration.ofMinutes(1), "tar", "-xf", blob(layout, layers.get(0).path("digest").asText()).toString(),
                "-C", dir.toString());
        assertThat(tar.code()).as(tar.output()).isZero();
        assertThat(dir.resolve("share/extension/" + name + ".control")).exists();
        return dir;
    }

    static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    static JsonNode cli(String... args) throws Exception {
        return JSON.readTree(cliText(withRegistry(args)));
    }

    static String cliText(String... args) {
        CliRun.Result r = CliRun.run(withRegistry(args));
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out();
    }

    private static String[] withRegistry(String... args) {
        if (List.of(args).contains("--registry")) {
            return args;
        }
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--registry", registry));
        return all.toArray(String[]::new);
    }

    /** The runtime image of a target, as the builder worker finds it (labels set by build-images.sh); null if absent. */
    static String runtimeImage(String target) throws Exception {
        Proc build = run(Duration.ofMinutes(1), "docker", "images", "--filter", "label=dev.extfarm.kind=build", "--filter",
                "label=dev.extfarm.target=" + target, "--format", "{{.Repository}}:{{.Tag}}");
        String image = build.code() != 0 ? null : build.output().lines().map(String::strip)
                .filter(s -> !s.isEmpty() && !s.endsWith(":<none>")).findFirst().orElse(null);
        if (image == null) {
            return null;
        }
        Proc runtime = run(Duration.ofMinutes(1), "docker", "image", "inspect", "--format",
                "{{index .Config.Labels \"dev.extfarm.runtime-image\"}}", image);
        String name = runtime.output().strip();
        return runtime.code() == 0 && !name.isEmpty() ? name : null;
    }

    record Proc(int code, String output) {
    }

    /** A command in the PostgreSQL container, as its postgres user. */
    static Proc exec(Map<String, String> env, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker", "exec", "-u", "postgres"));
        env.forEach((k, v) -> cmd.addAll(List.of("-e", k + "=" + v)));
        cmd.add(container);
        cmd.addAll(List.of(argv));
        return run(Duration.ofMinutes(2), cmd.toArray(String[]::new));
    }

    static Proc run(Duration timeout, String... argv) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return new Proc(127, String.valueOf(notInstalled.getMessage()));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish in " + timeout);
        }
        return new Proc(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
