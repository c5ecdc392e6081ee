package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verified reproducibility on the queue (docs/queue.md#reproducibility): a published bundle gets
 * one low-priority rebuild that never runs before a queued first build, is not given to the
 * worker process that built the bundle, uploads nothing, and whose report only the claiming
 * worker token may send (bounded, for the right bundle). The verdicts and the rate per target
 * are in the API; the catalog's last build stays the published one.
 */
@QuarkusTest
@TestProfile(ReproducibilityQueueTest.Profile.class)
class ReproducibilityQueueTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("extfarm.reproducibility.verify", "true");
        }
    }

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    String maintainer;
    String workerToken;
    TestWorker first;
    TestWorker second;
    String name;

    @BeforeEach
    void setUp() throws Exception {
        janitor.cancelEverythingLive();
        maintainer = Farm.token("maintainer");
        workerToken = Farm.token("worker");
        first = new TestWorker(url.toURI(), workerToken, "repro-first");
        second = new TestWorker(url.toURI(), workerToken, "repro-second");
        name = Farm.unique("repro");
    }

    private long publish(TestWorker w, String salt) {
        long id = Farm.push(maintainer, Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), salt)))
                .then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");
        TestWorker.Job job = w.claim(1, List.of(15)).get(0);
        assertThat(job.id()).isEqualTo(id);
        TestWorker.expect(w.succeed(job), 200);
        return id;
    }

    /** Claims one job for PostgreSQL 15 and returns it raw (with its {@code verify} order), or null. */
    private JsonNode claimRaw(TestWorker w) {
        ObjectNode body = TestWorker.JSON.createObjectNode().put("worker_id", w.id).put("max_jobs", 1);
        body.putArray("targets").addObject().put("pg_major", 15).put("platform", Farm.PLATFORMS.get(15))
                .put("builder_image", w.builderImage);
        TestWorker.Reply r = TestWorker.expect(w.post("/api/v1/jobs/claim", body), 200);
        return r.body().path("jobs").size() == 0 ? null : r.body().path("jobs").get(0);
    }

    private static TestWorker.Job job(JsonNode j, TestWorker w) {
        return new TestWorker.Job(j.path("id").asLong(), j.path("lease_token").asLong(), j.path("attempt").asInt(),
                j.path("extension").asText(), j.path("version").asText(), j.path("pg_major").asInt(), j.path("platform").asText(),
                j.path("recipe_revision").asText(), j.path("recipe"), j.path("source_sha256").asText(),
                j.path("lease_ttl_seconds").asLong(), w.builderImage);
    }

    private ObjectNode report(TestWorker w, String published, String rebuilt, int differences) {
        ObjectNode r = w.result("succeeded");
        ObjectNode rep = r.putObject("reproducibility").put("published_sha256", published).put("rebuilt_sha256", rebuilt)
                .put("reproducible", published.equals(rebuilt)).put("differences_total", differences);
        var list = rep.putArray("differences");
        for (int i = 0; i < differences; i++) {
            ObjectNode d = list.addObject().put("path", i == 0 ? "lib/" + name + ".so" : "share/extension/f" + i + ".sql")
                    .put("cause", i == 0 ? "timestamp" : "other");
            d.putObject("published").put("type", "file").put("size", 100).put("sha256", "1".repeat(64));
            d.putObject("rebuilt").put("type", "file").put("size", 100).put("sha256", "2".repeat(64));
            if (i == 0) {
                d.putArray("elf_sections").add(".rodata");
            }
        }
        return r;
    }

    @Test
    void theRebuildWaitsForFirstBuildsAndForAnotherWorkerAndItsReportIsFencedAndBounded() throws Exception {
        long published = publish(first, "a");
        String sha = Farm.build(published).getString("result.sha256");

        // a first build pushed after the rebuild was queued is claimed before it
        long firstBuildB = Farm.push(maintainer, Farm.transport(Farm.recipeYaml(Farm.unique("repro-b"), "1.0.0", List.of(15), "b")))
                .then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");
        JsonNode claimed = claimRaw(second);
        assertThat(claimed.path("id").asLong()).isEqualTo(firstBuildB);
        assertThat(claimed.has("verify")).isFalse();
        TestWorker.expect(second.fail(job(claimed, second), "build", "compile-error", "upstream", 2, "broken"), 200);

        // the worker process that built the bundle does not get its rebuild (another one is waited for)
        assertThat(claimRaw(first)).isNull();
        JsonNode rebuild = claimRaw(second);
        assertThat(rebuild).isNotNull();
        assertThat(rebuild.path("verify").path("build_id").asLong()).isEqualTo(published);
        assertThat(rebuild.path("verify").path("sha256").asText()).isEqualTo(sha);
        assertThat(rebuild.path("verify").path("address").asText()).isEqualTo("extensions/" + name + "/sha-256+" + sha + "/bundle.tar");
        TestWorker.Job v = job(rebuild, second);
        JsonPath queued = Farm.build(v.id());
        assertThat(queued.getString("reason")).isEqualTo("reproducibility");

        // its bundle is never published
        TestWorker.Reply upload = second.upload(v, second.pack(v));
        assertThat(upload.status()).isEqualTo(400);
        assertThat(upload.problemType()).isEqualTo("/problems/invalid-fence");

        // another worker token forging the result of this job with its (guessable) lease token
        TestWorker forger = new TestWorker(url.toURI(), Farm.token("worker"), "repro-forger");
        TestWorker.Reply forged = forger.complete(v, report(forger, sha, sha, 0));
        assertThat(forged.status()).isEqualTo(409);
        assertThat(forged.problemType()).isEqualTo("/problems/stale-lease");
        assertThat(forger.heartbeat(v, "build").status()).isEqualTo(409);

        // bounded and for the right bundle
        TestWorker.Reply tooMany = second.complete(v, report(second, sha, "3".repeat(64), 101));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.body().path("detail").asText()).contains("at most 100");
        TestWorker.Reply otherBundle = second.complete(v, report(second, "4".repeat(64), "4".repeat(64), 0));
        assertThat(otherBundle.status()).isEqualTo(400);
        TestWorker.Reply lying = second.complete(v, report(second, sha, "3".repeat(64), 0));
        assertThat(lying.status()).isEqualTo(400);
        as(ADMIN).get("/api/v1/builds/" + published + "/reproducibility").then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("pending"));

        TestWorker.expect(second.complete(v, report(second, sha, "3".repeat(64), 2)), 200);
        JsonPath verdict = as(ADMIN).get("/api/v1/builds/" + published + "/reproducibility").then().statusCode(200)
                .extract().jsonPath();
        assertThat(verdict.getString("status")).isEqualTo("not-reproducible");
        assertThat(verdict.getList("causes", String.class)).containsExactly("other", "timestamp");
        assertThat(verdict.getString("differences[0].path")).isEqualTo("lib/" + name + ".so");
        assertThat(verdict.getString("differences[0].published.sha256")).isEqualTo("1".repeat(64));
        assertThat(verdict.getList("differences[0].elf_sections", String.class)).containsExactly(".rodata");
        assertThat(verdict.getString("rebuild_worker")).isEqualTo("repro-second");
        assertThat(verdict.getString("published_worker")).isEqualTo("repro-first");

        // the catalog's last build is the published one, not its rebuild
        as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(200)
                .body("versions[0].bundles[0].last_build.id", org.hamcrest.Matchers.equalTo((int) published));

        // a second bundle, reproducible: the rate for the target is 1 of 2
        long published2 = publish(second, "c");
        String sha2 = Farm.build(published2).getString("result.sha256");
        JsonNode rebuild2 = claimRaw(first);
        assertThat(rebuild2.path("verify").path("build_id").asLong()).isEqualTo(published2);
        TestWorker.expect(first.complete(job(rebuild2, first), report(first, sha2, sha2, 0)), 200);
        JsonPath rate = as(null).get("/api/v1/extensions/" + name + "/reproducibility").then().statusCode(200).extract().jsonPath();
        assertThat(rate.getInt("targets[0].pg_major")).isEqualTo(15);
        assertThat(rate.getInt("targets[0].reproducible")).isEqualTo(1);
        assertThat(rate.getInt("targets[0].not_reproducible")).isEqualTo(1);
        assertThat(rate.getDouble("targets[0].rate")).isEqualTo(0.5);
        assertThat(rate.getList("verdicts.status", String.class)).containsExactly("reproducible", "not-reproducible");

        // a bundle is verified once: nothing more is queued
        assertThat(claimRaw(first)).isNull();
        as(null).get("/api/v1/extensions/no-such-ext-" + name + "/reproducibility").then().statusCode(404);
    }
}
