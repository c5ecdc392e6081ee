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
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, item 2, end to end: the packaged registry and two worker processes, real Docker builds
 * on bookworm/15. Each published bundle is rebuilt once by the other worker, compared in that
 * worker, and the verdict is in the API: a fixture whose {@code pre_build} writes the build time
 * into its SQL script is not reproducible (that file, {@code timestamp}); a well-behaved one is
 * reproducible; the rebuilt bundle is never published (the catalog keeps one bundle per version).
 */
class ReproducibilityIT {

    @Test
    void eachPublishedBundleIsRebuiltByTheOtherWorkerAndTheVerdictIsInTheApi() throws Exception {
        dev.extfarm.worker.pipeline.TestImagesAccess.await("bookworm-pg15");
        Path data = Files.createTempDirectory("extfarm-reproducibility-it");
        try (PackagedRegistry registry = PackagedRegistry.builder().dataDir(data.resolve("registry")).log(data.resolve("registry.log"))
                .env("EXTFARM_FARM_TARGETS", "15:debian-12-amd64-glibc").start()) {
            URI base = registry.base();
            Api admin = new Api(base, registry.adminToken());
            String workerToken = admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", "repro")).path("token").asText();

            Path work = data.resolve("recipes");
            Path stamped = TinyRecipes.sqlOnly(work, "stamped");
            // the build time, to the nanosecond, written into the installed script: never the same twice
            Files.writeString(stamped.resolve("recipe.yaml"), Files.readString(stamped.resolve("recipe.yaml"))
                    + "build:\n  pre_build: |\n    echo \"-- built $(date -u '+%Y-%m-%d %H:%M:%S.%N')\" >> stamped--1.0.sql\n");
            long stampedBuild = push(admin, stamped);
            long steadyBuild = push(admin, TinyRecipes.sqlOnly(work, "steady"));

            try (JavaProcess a = worker(base, workerToken, "repro-a", data); JavaProcess b = worker(base, workerToken, "repro-b", data)) {
                JsonNode first = FarmIT.awaitWith(admin, stampedBuild, Duration.ofMinutes(6));
                assertThat(first.path("status").asText()).as(first.toString()).isEqualTo("succeeded");
                assertThat(FarmIT.awaitWith(admin, steadyBuild, Duration.ofMinutes(6)).path("status").asText()).isEqualTo("succeeded");

                JsonNode stampedVerdict = awaitVerdict(admin, stampedBuild);
                assertThat(stampedVerdict.path("status").asText()).as(stampedVerdict.toString()).isEqualTo("not-reproducible");
                assertThat(stampedVerdict.path("rebuild_worker").asText()).isNotEqualTo(stampedVerdict.path("published_worker").asText());
                // the script, and the manifest that lists its sha-256
                JsonNode diff = null;
                for (JsonNode d : stampedVerdict.path("differences")) {
                    diff = d.path("path").asText().equals("share/extension/stamped--1.0.sql") ? d : diff;
                }
                assertThat(diff).as(stampedVerdict.toString()).isNotNull();
                assertThat(diff.path("cause").asText()).isEqualTo("timestamp");
                assertThat(diff.path("published").path("sha256").asText()).hasSize(64);
                assertThat(diff.path("published").path("sha256").asText()).isNotEqualTo(diff.path("rebuilt").path("sha256").asText());
                String log = new String(admin.bytes("/api/v1/builds/" + stampedVerdict.path("build_id").asLong() + "/log"));
                assertThat(log).contains("not reproducible").contains("stamped--1.0.sql: timestamp");

                JsonNode steadyVerdict = awaitVerdict(admin, steadyBuild);
                assertThat(steadyVerdict.path("status").asText()).as(steadyVerdict.toString()).isEqualTo("reproducible");
                JsonNode rate = admin.get("/api/v1/extensions/steady/reproducibility");
                assertThat(rate.path("targets").get(0).path("rate").asDouble()).isEqualTo(1.0);
                assertThat(admin.get("/api/v1/extensions/stamped/reproducibility").path("targets").get(0).path("rate").asDouble())
                        .isEqualTo(0.0);
                // the rebuilt bytes were never published
                assertThat(admin.get("/api/v1/extensions/stamped").path("versions").get(0).path("bundles").size()).isEqualTo(1);
            }
        } finally {
            FileTrees.deleteRecursively(data);
        }
    }

    private static JavaProcess worker(URI base, String token, String id, Path data) throws Exception {
        return JavaProcess.start(FarmIT.WORKER_JAR, Map.of(
                "EXTFARM_WORKER_REGISTRY", base.toString(), "EXTFARM_WORKER_TOKEN", token, "EXTFARM_WORKER_ID", id,
                "EXTFARM_WORKER_TARGETS", "bookworm-pg15", "EXTFARM_WORKER_WORK_DIR", data.resolve("work-" + id).toString(),
                "EXTFARM_WORKER_SOURCE_CACHE", FarmIT.SOURCE_CACHE, "EXTFARM_WORKER_PORT", String.valueOf(JavaProcess.freePort()),
                "EXTFARM_WORKER_POLL_INTERVAL", "1s"), data.resolve(id + ".log"));
    }

    private static long push(Api api, Path dir) throws Exception {
        return api.post("/api/v1/recipes", RecipeBundle.readDirectory(dir).toJson()).path("scheduled").get(0).path("build_id").asLong();
    }

    /** The verdict on the bundle of build {@code published}, once its rebuild has finished. */
    private static JsonNode awaitVerdict(Api admin, long published) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = admin.get("/api/v1/builds/" + published + "/reproducibility");
                if (!last.path("status").asText().equals("pending")) {
                    return last;
                }
            } catch (Exception e) {
                last = null; // 404 until the rebuild is queued
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("no verdict on build " + published + ": " + last);
    }
}
