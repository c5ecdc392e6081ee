package dev.extfarm.worker.farm;

import dev.extfarm.bundle.FileTrees;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.testsupport.PackagedRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 22, item 5: a bundle whose control file requires an extension the farm builds. The
 * packaged registry and worker run as processes, with real Docker builds on bookworm/15 and the
 * real semver recipe as the dependency:
 * <ul>
 *   <li>built before semver is published, the dependent fails at its smoke test with
 *       {@code dependency-unavailable}, the farm's responsibility (never {@code smoke-test-failed});
 *   <li>once semver's build succeeds, the registry queues the dependent again by itself, and its
 *       smoke test installs semver's bundle first and uses the type (an exact answer);
 *   <li>a requirement nobody builds is the recipe's ({@code dependency-unknown}), and a private
 *       extension required by a public one is answered exactly like it (its bytes would be readable
 *       through the public build's log).
 * </ul>
 */
class DependencyIT {

    @Test
    void aRequiredFarmExtensionIsInstalledForTheSmokeTestAndAWaitingBuildIsQueuedAgain() throws Exception {
        dev.extfarm.worker.pipeline.TestImagesAccess.await("bookworm-pg15");
        Path data = Files.createTempDirectory("extfarm-dependency-it");
        try (PackagedRegistry registry = PackagedRegistry.builder().dataDir(data.resolve("registry")).log(data.resolve("registry.log"))
                .env("EXTFARM_FARM_TARGETS", "15:debian-12-amd64-glibc").start()) {
            URI base = registry.base();
            Api admin = new Api(base, registry.adminToken());
            String workerToken = admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", "deps")).path("token").asText();

            Path work = data.resolve("recipes");
            long dependent = push(admin, TinyRecipes.sqlOnly(work, "needs_semver", "semver",
                    "CREATE FUNCTION needs_semver_max(a semver, b semver) RETURNS semver LANGUAGE sql IMMUTABLE "
                            + "AS 'SELECT greatest(a, b)';\n",
                    "SELECT needs_semver_max('1.2.3', '1.10.0')::text;", "1.10.0"));
            // queued after the dependent: the worker builds the dependent first, while semver has no bundle yet
            long semverBuild = push(admin, FarmIT.ROOT.resolve("recipes/semver"));
            long ghost = push(admin, TinyRecipes.sqlOnly(work, "needs_ghost", "ghost_ext",
                    "CREATE FUNCTION needs_ghost_answer() RETURNS int LANGUAGE sql AS 'SELECT 1';\n", "SELECT needs_ghost_answer();", "1"));
            admin.put("/api/v1/admin/extensions/hidden_dep/visibility", Map.of("visibility", "private"));
            long hidden = push(admin, TinyRecipes.sqlOnly(work, "hidden_dep"));
            long needsHidden = push(admin, TinyRecipes.sqlOnly(work, "needs_hidden", "hidden_dep",
                    "CREATE FUNCTION needs_hidden_answer() RETURNS int LANGUAGE sql AS 'SELECT hidden_dep_answer()';\n",
                    "SELECT needs_hidden_answer();", "42"));

            Map<String, String> env = new HashMap<>(Map.of(
                    "EXTFARM_WORKER_REGISTRY", base.toString(), "EXTFARM_WORKER_TOKEN", workerToken, "EXTFARM_WORKER_ID", "deps",
                    "EXTFARM_WORKER_TARGETS", "bookworm-pg15", "EXTFARM_WORKER_WORK_DIR", data.resolve("work").toString(),
                    "EXTFARM_WORKER_SOURCE_CACHE", FarmIT.SOURCE_CACHE, "EXTFARM_WORKER_PORT", String.valueOf(JavaProcess.freePort()),
                    "EXTFARM_WORKER_POLL_INTERVAL", "1s"));
            try (JavaProcess worker = JavaProcess.start(FarmIT.WORKER_JAR, env, data.resolve("worker.log"))) {
                JsonNode waiting = await(admin, dependent);
                assertThat(waiting.path("status").asText()).as(waiting.toString()).isEqualTo("failed");
                assertThat(waiting.path("failure").path("step").asText()).isEqualTo("smoke-test");
                assertThat(waiting.path("failure").path("cause").asText()).isEqualTo("dependency-unavailable");
                assertThat(waiting.path("failure").path("responsibility").asText()).isEqualTo("farm");
                assertThat(waiting.path("failure").path("message").asText()).contains("semver").contains("queued again");

                JsonNode unknown = await(admin, ghost);
                assertThat(unknown.path("failure").path("cause").asText()).as(unknown.toString()).isEqualTo("dependency-unknown");
                assertThat(unknown.path("failure").path("responsibility").asText()).isEqualTo("recipe");
                assertThat(unknown.path("failure").path("message").asText()).contains("ghost_ext");

                assertThat(await(admin, hidden).path("status").asText()).isEqualTo("succeeded");
                JsonNode leak = await(admin, needsHidden);
                assertThat(leak.path("failure").path("cause").asText()).as(leak.toString()).isEqualTo("dependency-unknown");
                assertThat(leak.path("failure").path("message").asText()).contains("hidden_dep")
                        .isEqualTo(unknown.path("failure").path("message").asText().replace("ghost_ext", "hidden_dep"));

                JsonNode semver = await(admin, semverBuild);
                assertThat(semver.path("status").asText()).as(semver.toString()).isIn("succeeded", "cached");

                JsonNode again = awaitNewerBuild(admin, "needs_semver", dependent);
                assertThat(again.path("status").asText()).as(again.toString()).isEqualTo("succeeded");
                String log = new String(admin.bytes("/api/v1/builds/" + again.path("id").asLong() + "/log"));
                assertThat(log).contains("dependency semver 0.40.0").contains("1.10.0");
                JsonNode bundle = admin.get("/api/v1/extensions/needs_semver").path("versions").get(0).path("bundles").get(0);
                assertThat(bundle.path("requires").toString()).contains("semver");
            }
        } finally {
            FileTrees.deleteRecursively(data);
        }
    }

    private static long push(Api api, Path dir) throws Exception {
        JsonNode r = api.post("/api/v1/recipes", RecipeBundle.readDirectory(dir).toJson());
        return r.path("scheduled").get(0).path("build_id").asLong();
    }

    private static JsonNode await(Api admin, long id) throws Exception {
        return FarmIT.awaitWith(admin, id, Duration.ofMinutes(6));
    }

    /** The newest build of {@code extension} after {@code after}, once it has finished (queued by the registry itself). */
    private static JsonNode awaitNewerBuild(Api admin, String extension, long after) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode items = admin.get("/api/v1/builds?extension=" + extension + "&pg=15").path("items");
            for (JsonNode b : items) {
                if (b.path("id").asLong() > after) {
                    return await(admin, b.path("id").asLong());
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("no build of " + extension + " was queued after build " + after);
    }
}
