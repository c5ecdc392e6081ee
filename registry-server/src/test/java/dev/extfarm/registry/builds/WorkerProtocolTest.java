package dev.extfarm.registry.builds;

import dev.extfarm.protocol.WorkerProtocol;
import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A test worker speaking the real protocol over HTTP drives builds to success and to each failure
 * class; the reports read back through the API say exactly what happened.
 */
@QuarkusTest
class WorkerProtocolTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    TestWorker worker;
    String maintainer;

    @BeforeEach
    void setUp() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "w1");
        maintainer = Farm.token("maintainer");
    }

    @Test
    void aSuccessfulBuildIsReportedWithItsBundleStepsInputsAndLog() {
        String name = Farm.unique("ok");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);

        TestWorker.Job job = worker.claim(1).get(0);
        assertThat(job.id()).isEqualTo(id);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.recipe().path("recipe_yaml").asText()).contains("name: " + name);
        assertThat(job.sourceSha256()).isEqualTo(Farm.sourceSha(name, "1.0.0"));
        assertThat(job.leaseTtlSeconds()).isPositive();

        JsonPath running = Farm.build(id);
        assertThat(running.getString("status")).isEqualTo("running");
        assertThat(running.getString("worker_id")).isEqualTo("w1");

        TestWorker.Reply done = TestWorker.expect(worker.succeed(job), 200);
        assertThat(done.body().path("status").asText()).isEqualTo("succeeded");

        JsonPath b = Farm.build(id);
        TestWorker.Packed bundle = worker.pack(job);
        assertThat(b.getString("status")).isEqualTo("succeeded");
        assertThat(b.getString("extension")).isEqualTo(name);
        assertThat(b.getString("version")).isEqualTo("1.0.0");
        assertThat(b.getInt("pg_major")).isEqualTo(15);
        assertThat(b.getString("platform")).isEqualTo("debian-12-amd64-glibc");
        assertThat(b.getString("reason")).isEqualTo("push");
        assertThat(b.getInt("attempt")).isEqualTo(1);
        assertThat(b.getString("worker_id")).isEqualTo("w1");
        assertThat(b.getString("result.address")).isEqualTo(bundle.address());
        assertThat(b.getString("result.sha256")).isEqualTo(bundle.sha256());
        assertThat(b.getLong("result.size")).isEqualTo(bundle.bytes().length);
        assertThat(b.getString("result.review_state")).isEqualTo("approved");
        assertThat(b.getMap("failure")).isNull();
        assertThat(b.getString("inputs.recipe_revision")).isEqualTo(job.recipeRevision());
        assertThat(b.getString("inputs.source_sha256")).isEqualTo(job.sourceSha256());
        assertThat(b.getString("inputs.builder_image")).isEqualTo(worker.builderImage);
        assertThat(b.getInt("inputs.meta_format")).isEqualTo(1);
        assertThat(b.getList("steps.step")).containsExactly("fetch", "build");
        assertThat(b.getList("steps.millis", Integer.class)).containsExactly(120, 3400);
        assertThat(b.getString("started_at")).isNotNull();
        assertThat(b.getString("finished_at")).isNotNull();
        assertThat(b.getLong("duration_millis")).isNotNegative();
        assertThat(b.getList("attempts.outcome")).containsExactly("succeeded");
        assertThat(b.getList("log_tail")).contains("make USE_PGXS=1");

        String log = as(ADMIN).get("/api/v1/builds/" + id + "/log").then().statusCode(200)
                .contentType("text/plain; charset=utf-8").extract().asString();
        assertThat(log).startsWith("##[extfarm] job " + id + " by w1\nmake USE_PGXS=1\n");

        // the bundle is in the catalog, and the catalog shows this build as the last one
        as(ADMIN).urlEncodingEnabled(false).get("/" + bundle.address()).then().statusCode(200);
        String catalog = as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(200).extract().asString();
        assertThat(catalog).contains("\"last_build\"").contains("\"id\":" + id).contains("\"status\":\"succeeded\"");

        String metrics = as(null).get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("extfarm_builds_finished_total{status=\"succeeded\"}").contains("extfarm_queue_jobs{status=\"queued\"}");
    }

    @Test
    void eachFailureClassIsReportedExactlyAsTheWorkerClassifiedIt() {
        record Case(String step, String cause, String responsibility, int exit) {
        }
        List<Case> cases = List.of(
                new Case("verify-source", "checksum-mismatch", "recipe", 0),
                new Case("patch", "patch-rejected", "recipe", 1),
                new Case("pre-build", "pre-build-failed", "recipe", 2),
                new Case("build", "compile-error", "upstream", 2),
                new Case("build", "missing-build-dependency", "recipe", 2),
                new Case("install", "install-failed", "upstream", 2),
                new Case("bundle-libs", "missing-runtime-library", "recipe", 1),
                new Case("smoke-test", "smoke-test-failed", "upstream", 3),
                new Case("build", "timeout", "upstream", 124),
                new Case("build", "out-of-memory", "upstream", 137));
        for (Case c : cases) {
            String name = Farm.unique("fail");
            long id = Farm.pushNew(maintainer, name, List.of(17)).get(17);
            TestWorker.Job job = worker.claim(1).get(0);
            assertThat(job.id()).isEqualTo(id);
            String message = c.cause() + " happened in " + c.step();
            TestWorker.expect(worker.fail(job, c.step(), c.cause(), c.responsibility(), c.exit(), message), 200);

            JsonPath b = Farm.build(id);
            assertThat(b.getString("status")).as(c.toString()).isEqualTo("failed");
            assertThat(b.getString("failure.step")).isEqualTo(c.step());
            assertThat(b.getString("failure.cause")).isEqualTo(c.cause());
            assertThat(b.getString("failure.responsibility")).isEqualTo(c.responsibility());
            assertThat(b.getInt("failure.exit_code")).isEqualTo(c.exit());
            assertThat(b.getString("failure.message")).isEqualTo(message);
            assertThat(b.getMap("result")).isNull();
            assertThat(b.getList("log_tail")).contains(message);

            as(ADMIN).queryParam("cause", c.cause()).queryParam("extension", name).get("/api/v1/builds")
                    .then().statusCode(200).body("total", equalTo(1)).body("items[0].id", equalTo((int) id));
        }
    }

    @Test
    void aFarmFaultIsRetriedAndNeverReportedAsTheExtensionsFailure() {
        String name = Farm.unique("farm");
        long id = Farm.pushNew(maintainer, name, List.of(18)).get(18);
        TestWorker.Job first = worker.claim(1).get(0);
        TestWorker.Reply r = TestWorker.expect(worker.farmFault(first, "build", "docker-unavailable", "Cannot connect to the Docker daemon"), 200);
        assertThat(r.body().path("status").asText()).isEqualTo("queued");
        assertThat(r.body().path("requeued").asBoolean()).isTrue();

        JsonPath queued = Farm.build(id);
        assertThat(queued.getString("status")).isEqualTo("queued");
        assertThat(queued.getMap("failure")).isNull();
        as(ADMIN).queryParam("extension", name).queryParam("status", "failed").get("/api/v1/builds")
                .then().statusCode(200).body("total", equalTo(0));

        TestWorker.Job second = worker.as("w2").claim(1).get(0);
        assertThat(second.id()).isEqualTo(id);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.leaseToken()).isGreaterThan(first.leaseToken());
        TestWorker.expect(worker.as("w2").succeed(second), 200);

        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("succeeded");
        assertThat(b.getString("worker_id")).isEqualTo("w2");
        assertThat(b.getInt("attempt")).isEqualTo(2);
        assertThat(b.getMap("failure")).isNull();
        assertThat(b.getList("attempts.outcome")).containsExactly("farm-fault", "succeeded");
        assertThat(b.getList("attempts.cause")).containsExactly("docker-unavailable", null);
        assertThat(b.getList("attempts.worker_id")).containsExactly("w1", "w2");
        String log = as(ADMIN).get("/api/v1/builds/" + id + "/log").then().statusCode(200).extract().asString();
        assertThat(log).contains("attempt 1 ended with a farm fault (docker-unavailable").contains("attempt 2 of 3: claimed by w2");
    }

    @Test
    void farmFaultsAreBoundedAndEndAsFarmErrorNotFailed() {
        String name = Farm.unique("bound");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        for (int i = 1; i <= 3; i++) {
            TestWorker.Job job = worker.claim(1).get(0);
            assertThat(job.attempt()).isEqualTo(i);
            TestWorker.expect(worker.farmFault(job, "publish", "upload-failed", "connection reset " + i), 200);
        }
        assertThat(worker.claim(1)).isEmpty();
        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("farm-error");
        assertThat(b.getString("failure.responsibility")).isEqualTo("farm");
        assertThat(b.getString("failure.cause")).isEqualTo("upload-failed");
        assertThat(b.getString("failure.message")).contains("3 farm fault(s) in 3 attempt(s)").contains("connection reset 3");
    }

    @Test
    void aSucceededCompletionNeedsItsBundleInTheCatalogAndMatchingInputs() {
        String name = Farm.unique("nobundle");
        Farm.pushNew(maintainer, name, List.of(15));
        TestWorker.Job job = worker.claim(1).get(0);
        var result = worker.result("succeeded");
        result.putObject("bundle").put("name", name).put("sha256", "c".repeat(64));
        TestWorker.Reply r = worker.complete(job, result);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.problemType()).isEqualTo("/problems/bundle-not-uploaded");

        var wrongImage = worker.result("succeeded").put("builder_image", "sha256:" + "d".repeat(64));
        TestWorker.Packed packed = worker.pack(job);
        TestWorker.expect(worker.upload(job, packed), 201);
        wrongImage.putObject("bundle").put("name", name).put("sha256", packed.sha256());
        assertThat(worker.complete(job, wrongImage).status()).isEqualTo(400);

        var ok = worker.result("succeeded");
        ok.putObject("bundle").put("name", name).put("sha256", packed.sha256());
        TestWorker.expect(worker.complete(job, ok), 200);
        // sent again (a lost response): the same answer, nothing changes
        var again = worker.result("succeeded");
        again.putObject("bundle").put("name", name).put("sha256", packed.sha256());
        assertThat(TestWorker.expect(worker.complete(job, again), 200).body().path("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void theLogCanBeTailedWithRangesWhileTheBuildRuns() {
        String name = Farm.unique("tail");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);
        TestWorker.expect(worker.log(job, "line one\n"), 200);
        String all = as(ADMIN).get("/api/v1/builds/" + id + "/log").then().statusCode(200)
                .header("X-Extfarm-Build-Status", "running").extract().asString();
        assertThat(all).isEqualTo("line one\n");
        int seen = all.length();
        as(ADMIN).header("Range", "bytes=" + seen + "-").get("/api/v1/builds/" + id + "/log").then().statusCode(416)
                .header("Content-Range", "bytes */" + seen);

        TestWorker.expect(worker.log(job, "line two\n"), 200);
        TestWorker.expect(worker.log(job, "line three\n"), 200);
        String more = as(ADMIN).header("Range", "bytes=" + seen + "-").get("/api/v1/builds/" + id + "/log").then().statusCode(206)
                .header("Content-Range", "bytes " + seen + "-" + (seen + 19) + "/" + (seen + 20)).extract().asString();
        assertThat(more).isEqualTo("line two\nline three\n");
        // ?offset= tails without a 416: empty 200 at the end, the rest from inside, 416 only past the end
        String tail = as(ADMIN).get("/api/v1/builds/" + id + "/log?offset=" + seen).then().statusCode(200)
                .header("X-Extfarm-Log-Size", String.valueOf(seen + 20)).extract().asString();
        assertThat(tail).isEqualTo("line two\nline three\n");
        assertThat(as(ADMIN).get("/api/v1/builds/" + id + "/log?offset=" + (seen + 20)).then().statusCode(200)
                .header("Content-Length", "0").extract().asString()).isEmpty();
        as(ADMIN).get("/api/v1/builds/" + id + "/log?offset=" + (seen + 21)).then().statusCode(416);
        String middle = as(ADMIN).header("Range", "bytes=5-12").get("/api/v1/builds/" + id + "/log").then().statusCode(206)
                .extract().asString();
        assertThat(middle).isEqualTo("one\nline");
        assertThat(Farm.build(id).getList("log_tail")).containsExactly("line one", "line two", "line three");

        TestWorker.expect(worker.fail(job, "build", "compile-error", "upstream", 2, "error: boom"), 200);
        String suffix = as(ADMIN).header("Range", "bytes=-12").get("/api/v1/builds/" + id + "/log").then().statusCode(206)
                .header("X-Extfarm-Build-Status", "failed").extract().asString();
        assertThat(suffix).isEqualTo("error: boom\n");
        assertThat(Farm.build(id).getBoolean("log.archived")).isTrue();
    }

    @Test
    void theLogTailKeepsTheLast200Lines() {
        String name = Farm.unique("long");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);
        StringBuilder chunk = new StringBuilder();
        for (int i = 1; i <= 500; i++) {
            chunk.append("line ").append(i).append('\n');
            if (i % 100 == 0) {
                TestWorker.expect(worker.log(job, chunk.toString()), 200);
                chunk.setLength(0);
            }
        }
        TestWorker.expect(worker.fail(job, "build", "compile-error", "upstream", 2, "last words"), 200);
        JsonPath b = Farm.build(id);
        List<String> tail = b.getList("log_tail");
        assertThat(tail).hasSize(200);
        assertThat(tail.get(199)).isEqualTo("last words");
        String full = as(ADMIN).get("/api/v1/builds/" + id + "/log").then().statusCode(200).extract().asString();
        assertThat(full.lines().filter(l -> l.startsWith("line ")).count()).isEqualTo(500);
        assertThat(b.getLong("log.size")).isEqualTo(full.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    /**
     * A build's log is what recipe code printed: a build that prints without end must not fill the
     * registry's database. A chunk over extfarm.queue.logs.max-chunk-bytes (4 MiB) is 413
     * log-chunk-too-large and a chunk past extfarm.queue.logs.max-bytes (64 MiB) 413 log-too-large;
     * neither is kept, and the build still completes with the log it has.
     */
    @Test
    void aBuildsLogIsBoundedPerChunkAndInAll() {
        int maxChunk = 4 << 20;
        long maxLog = 64L << 20;
        String name = Farm.unique("loud");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);
        assertThat(job.id()).isEqualTo(id);

        TestWorker.Reply tooBig = TestWorker.expect(worker.log(job, "y".repeat(maxChunk + 1)), 413);
        assertThat(tooBig.problemType()).isEqualTo("/problems/log-chunk-too-large");
        long size = Farm.build(id).getLong("log.size");
        String chunk = "x".repeat(maxChunk - 1) + "\n";
        while (size + maxChunk < maxLog) { // the last chunk (1 byte to maxChunk) is z: it must be the end of the log
            TestWorker.expect(worker.log(job, chunk), 200);
            size += maxChunk;
        }
        TestWorker.expect(worker.log(job, "z".repeat((int) (maxLog - size))), 200);
        TestWorker.Reply full = TestWorker.expect(worker.log(job, "one byte more"), 413);
        assertThat(full.problemType()).isEqualTo("/problems/log-too-large");
        assertThat(Farm.build(id).getLong("log.size")).isEqualTo(maxLog);

        var result = worker.result("failed");
        result.putObject("failure").put("step", "build").put("cause", "compile-error").put("responsibility", "upstream")
                .put("exit_code", 2).put("message", "too loud");
        TestWorker.expect(worker.complete(job, result), 200);
        assertThat(Farm.build(id).getString("status")).isEqualTo("failed");
        String log = as(ADMIN).header("Range", "bytes=" + (maxLog - 16) + "-").get("/api/v1/builds/" + id + "/log").then()
                .statusCode(206).extract().asString();
        assertThat(log).isEqualTo("z".repeat(16));
    }

    @Test
    void theListFiltersAndPages() {
        String name = Farm.unique("list");
        Map<Integer, Long> ids = Farm.pushNew(maintainer, name, List.of(15, 17, 18));
        as(ADMIN).queryParam("extension", name).get("/api/v1/builds").then().statusCode(200)
                .body("total", equalTo(3)).body("items.id", equalTo(List.of(ids.get(18).intValue(), ids.get(17).intValue(),
                        ids.get(15).intValue())));
        as(ADMIN).queryParam("extension", name).queryParam("pg", 17).get("/api/v1/builds").then().statusCode(200)
                .body("total", equalTo(1)).body("items[0].pg_major", equalTo(17));
        as(ADMIN).queryParam("extension", name).queryParam("size", 2).queryParam("page", 1).get("/api/v1/builds").then()
                .statusCode(200).body("items.id", equalTo(List.of(ids.get(15).intValue()))).body("page", equalTo(1));
        as(ADMIN).queryParam("extension", name).queryParam("status", "queued,running").queryParam("since", "2000-01-01")
                .get("/api/v1/builds").then().statusCode(200).body("total", equalTo(3));
        as(ADMIN).queryParam("extension", name).queryParam("since", "2999-01-01T00:00:00Z").get("/api/v1/builds").then()
                .statusCode(200).body("total", equalTo(0));
        as(ADMIN).queryParam("status", "exploded").get("/api/v1/builds").then().statusCode(400)
                .contentType("application/problem+json").body("type", equalTo("/problems/invalid-filter"));
    }
}
