package dev.extfarm.worker.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.testsupport.PackagedRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The farm end to end, every part real: the packaged registry (embedded PostgreSQL, filesystem
 * blobs) and packaged workers as child processes, the local Docker engine with the farm's
 * bookworm/15 images, real upstream sources (from the local cache) and fixture recipes for the
 * failure causes no real extension gives us.
 */
class FarmIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path WORKER_JAR = ROOT.resolve("builder-worker/target/quarkus-app/quarkus-run.jar");
    static final String SOURCE_CACHE = System.getenv().getOrDefault("EXTFARM_SOURCE_CACHE", "/var/cache/extfarm/sources");

    static Path data;
    static URI base;
    static PackagedRegistry registry;
    static Api admin;
    static String workerToken;
    static Api maintainer;
    static final List<JavaProcess> workers = new ArrayList<>();
    /** The fixtures' upstream site on 127.0.0.1, allowed to the registry and the workers like an operator's internal host. */
    static SourceServer upstream;

    @BeforeAll
    static void startRegistry() throws Exception {
        dev.extfarm.worker.pipeline.TestImagesAccess.await("bookworm-pg15");
        data = Files.createTempDirectory("extfarm-farm-it");
        upstream = new SourceServer();
        registry = PackagedRegistry.builder().dataDir(data.resolve("registry")).log(data.resolve("registry.log"))
                .env(Map.of("EXTFARM_SOURCE_ALLOW", upstream.allowEntry(), "EXTFARM_QUEUE_LEASE_TTL", "8s",
                        "EXTFARM_QUEUE_SWEEP_INTERVAL", "2s"))
                .readyTimeout(Duration.ofSeconds(120)).start();
        base = registry.base();
        admin = new Api(base, registry.adminToken());
        workerToken = admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", "farm-it")).path("token").asText();
        maintainer = admin.as(admin.post("/api/v1/admin/tokens", Map.of("role", "maintainer", "label", "farm-it")).path("token").asText());
    }

    @AfterAll
    static void stop() throws Exception {
        for (JavaProcess w : workers) {
            w.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static JavaProcess startWorker(String id) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "EXTFARM_WORKER_REGISTRY", base.toString(), "EXTFARM_WORKER_TOKEN", workerToken, "EXTFARM_WORKER_ID", id,
                "EXTFARM_WORKER_TARGETS", "bookworm-pg15", "EXTFARM_WORKER_WORK_DIR", data.resolve("work-" + id).toString(),
                "EXTFARM_WORKER_SOURCE_CACHE", SOURCE_CACHE, "EXTFARM_WORKER_PORT", String.valueOf(JavaProcess.freePort()),
                "EXTFARM_WORKER_WALL_TIME", "60s", "EXTFARM_WORKER_MEMORY", "1g", "EXTFARM_WORKER_POLL_INTERVAL", "1s"));
        env.put("EXTFARM_SOURCE_ALLOW", upstream.allowEntry());
        JavaProcess w = JavaProcess.start(WORKER_JAR, env, data.resolve("worker-" + id + ".log"));
        workers.add(w);
        return w;
    }

    /** Pushes a recipe directory; returns build id per PG major scheduled. */
    static Map<Integer, Long> push(Path dir) throws Exception {
        JsonNode r = maintainer.post("/api/v1/recipes", RecipeBundle.readDirectory(dir).toJson());
        Map<Integer, Long> ids = new HashMap<>();
        for (JsonNode b : r.path("scheduled")) {
            ids.put(b.path("pg_major").asInt(), b.path("build_id").asLong());
        }
        return ids;
    }

    static JsonNode await(long buildId, Duration timeout) throws Exception {
        return awaitWith(admin, buildId, timeout);
    }

    /** Polls a build until it has finished (any final status). */
    static JsonNode awaitWith(Api admin, long buildId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode b = null;
        while (System.nanoTime() < deadline) {
            b = admin.get("/api/v1/builds/" + buildId);
            if (Set.of("succeeded", "failed", "cached", "cancelled", "farm-error").contains(b.path("status").asText())) {
                return b;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("build " + buildId + " did not finish: " + b);
    }

    @Test
    void realRecipesPublishLoadableBundlesAndFixturesFailWithTheirExactCause() throws Exception {
        Path work = data.resolve("recipes");
        Map<String, Long> builds = new LinkedHashMap<>();
        for (String real : List.of("semver", "pg_rrule", "pgpcre")) {
            builds.put(real, push(ROOT.resolve("recipes").resolve(real)).get(15));
        }
        Map<String, String[]> expected = new LinkedHashMap<>();
        for (FixtureRecipes.Fixture f : FixtureRecipes.all(work, upstream)) {
            builds.put(f.name(), push(f.dir()).get(15));
            expected.put(f.name(), new String[]{f.step(), f.cause()});
        }
        startWorker("farm-it-a");

        for (var e : builds.entrySet()) {
            JsonNode b = await(e.getValue(), Duration.ofMinutes(10));
            String[] exp = expected.get(e.getKey());
            if (exp == null || exp[0] == null) {
                assertThat(b.path("status").asText()).as(e.getKey() + ": " + b).isEqualTo("succeeded");
            } else {
                assertThat(b.path("status").asText()).as(e.getKey() + ": " + b).isEqualTo("failed");
                assertThat(b.path("failure").path("step").asText()).as(e.getKey() + ": " + b).isEqualTo(exp[0]);
                assertThat(b.path("failure").path("cause").asText()).as(e.getKey() + ": " + b).isEqualTo(exp[1]);
            }
        }

        // pg_rrule links libical, which the runtime image lacks: the bundle carries it, and the
        // smoke test (CREATE EXTENSION + a call, in a clean runtime container) passed.
        JsonNode rrule = admin.get("/api/v1/builds/" + builds.get("pg_rrule"));
        String address = rrule.path("result").path("address").asText(rrule.path("bundle").path("address").asText());
        byte[] tar = admin.bytes("/" + address);
        VerifiedBundle v = BundleReader.withDefaults().verify(new ByteArrayInputStream(tar), Digests.sha256(tar));
        assertThat(v.manifest().bundledLibraries()).anyMatch(l -> l.startsWith("libical.so"));
        String log = new String(admin.bytes("/api/v1/builds/" + builds.get("pg_rrule") + "/log"));
        assertThat(log).contains("CREATE EXTENSION \"pg_rrule\"").contains("bundling libical.so");

        // An unchanged push schedules nothing.
        assertThat(push(ROOT.resolve("recipes/semver"))).isEmpty();
    }

    @Test
    void aWorkerKilledMidBuildIsRescuedAndTheBundleIsPublishedOnce() throws Exception {
        FixtureRecipes.Fixture slow = FixtureRecipes.slow(data.resolve("slow"), upstream, 20);
        long id = push(slow.dir()).get(15);
        JavaProcess doomed = startWorker("farm-it-doomed");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!admin.get("/api/v1/builds/" + id).path("status").asText().equals("running")) {
            assertThat(System.nanoTime()).as("the build should start").isLessThan(deadline);
            Thread.sleep(500);
        }
        Thread.sleep(3000);
        doomed.kill9();
        startWorker("farm-it-rescuer");
        JsonNode b = await(id, Duration.ofMinutes(5));
        assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("succeeded");
        assertThat(b.path("worker_id").asText()).isEqualTo("farm-it-rescuer");
        assertThat(b.path("attempt").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode ext = admin.get("/api/v1/extensions/" + slow.name());
        assertThat(ext.toString().split("\"sha256\"", -1).length - 1).as("published once: " + ext).isEqualTo(1);
    }

    static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static ObjectNode json() {
        return Api.JSON.createObjectNode();
    }
}
