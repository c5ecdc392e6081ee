package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstream's regression suite in build reports (docs/queue.md): the completion's {@code regress},
 * checked before it is stored; {@code regression.diffs} uploaded under the lease and served as
 * inert text with Range; a known failure shown as a warning in the report and the catalog.
 */
@QuarkusTest
class RegressionReportTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    TestWorker worker;
    String maintainer;

    @BeforeEach
    void setUp() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "w-regress");
        maintainer = Farm.token("maintainer");
    }

    /** Bytes a hostile suite could leave in its diffs: markup, a NUL, invalid UTF-8, an escape sequence. */
    static byte[] hostileDiffs() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("diff -U3 expected/base.out results/base.out\n-<script>alert(1)</script>\n+\u001b[2J".getBytes(StandardCharsets.UTF_8));
        b.write(0);
        b.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, '\n'});
        b.writeBytes("<html><body onload=alert(2)>\n".repeat(200).getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    static ObjectNode regress(ObjectNode result, int run, int passed, int failed, List<String> failedTests, long diffsBytes) {
        ObjectNode r = result.putObject("regress").put("run", run).put("passed", passed).put("failed", failed).put("ignored", 0)
                .put("diffs_bytes", diffsBytes).put("diffs_truncated", false);
        failedTests.forEach(r.putArray("failed_tests")::add);
        r.putObject("known_failures");
        r.putArray("stale_known_failures");
        return r;
    }

    @Test
    void aFailedSuiteIsReportedAndItsDiffsAreServedAsInertTextWithRanges() {
        String name = Farm.unique("regress");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);
        assertThat(job.id()).isEqualTo(id);
        byte[] diffs = hostileDiffs();
        TestWorker.Reply up = TestWorker.expect(worker.artifact(job, "regression.diffs", diffs), 200);
        assertThat(up.body().path("size").asLong()).isEqualTo(diffs.length);

        ObjectNode result = worker.result("failed");
        result.putObject("failure").put("step", "installcheck").put("cause", "regression-failed").put("responsibility", "upstream")
                .put("exit_code", 63).put("message", "1 of 2 regression tests failed: base");
        regress(result, 2, 1, 1, List.of("base"), diffs.length);
        TestWorker.expect(worker.complete(job, result), 200);

        JsonPath b = Farm.build(id);
        assertThat(b.getString("failure.step")).isEqualTo("installcheck");
        assertThat(b.getString("failure.cause")).isEqualTo("regression-failed");
        assertThat(b.getString("failure.responsibility")).isEqualTo("upstream");
        assertThat(b.getInt("regress.run")).isEqualTo(2);
        assertThat(b.getInt("regress.passed")).isEqualTo(1);
        assertThat(b.getInt("regress.failed")).isEqualTo(1);
        assertThat(b.getList("regress.failed_tests")).containsExactly("base");
        String link = "/api/v1/builds/" + id + "/artifacts/regression.diffs";
        assertThat(b.getString("regress.diffs.url")).isEqualTo(link);
        assertThat(b.getLong("regress.diffs.size")).isEqualTo(diffs.length);

        Response whole = as(ADMIN).get(link);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(whole.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(whole.header("Content-Security-Policy")).isEqualTo("default-src 'none'; sandbox");
        assertThat(whole.header("Content-Disposition")).startsWith("inline");
        assertThat(whole.asByteArray()).isEqualTo(diffs); // byte for byte: nothing decoded, escaped or dropped

        Response part = as(ADMIN).header("Range", "bytes=5-9").get(link);
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.header("Content-Range")).isEqualTo("bytes 5-9/" + diffs.length);
        assertThat(part.asByteArray()).isEqualTo(java.util.Arrays.copyOfRange(diffs, 5, 10));
        Response beyond = as(ADMIN).header("Range", "bytes=" + diffs.length + "-").get(link);
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.header("Content-Range")).isEqualTo("bytes */" + diffs.length);

        as(ADMIN).get("/api/v1/builds/" + id + "/artifacts/regression.out").then().statusCode(404)
                .body("type", org.hamcrest.Matchers.equalTo("/problems/artifact-not-found"));
    }

    @Test
    void aKnownFailureSucceedsWithTheWarningInTheReportAndTheCatalog() {
        String name = Farm.unique("known");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);
        TestWorker.Packed bundle = worker.pack(job);
        TestWorker.expect(worker.upload(job, bundle), 201);
        TestWorker.expect(worker.artifact(job, "regression.diffs", "-expected\n+actual\n".getBytes(StandardCharsets.UTF_8)), 200);
        ObjectNode result = worker.result("succeeded");
        result.putObject("bundle").put("name", name).put("sha256", bundle.sha256());
        ObjectNode r = regress(result, 3, 2, 1, List.of("crosstab"), 17);
        r.putObject("known_failures").put("crosstab", "expects PostgreSQL 16's output");
        r.putArray("stale_known_failures").add("old_test");
        TestWorker.expect(worker.complete(job, result), 200);

        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("succeeded");
        assertThat(b.getMap("regress.known_failures")).containsEntry("crosstab", "expects PostgreSQL 16's output");
        assertThat(b.getList("regress.stale_known_failures")).containsExactly("old_test");
        JsonPath catalog = as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(200).extract().jsonPath();
        assertThat(catalog.prettify()).contains("\"known_failures\"").contains("expects PostgreSQL 16's output");
    }

    @Test
    void reportsAndUploadsFromASandboxAreCheckedAndARefusalKeepsNothing() {
        String name = Farm.unique("hostile");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);

        // names, counts and reasons that are not what a suite reports: 400, and the build still runs
        List<ObjectNode> bad = new java.util.ArrayList<>();
        ObjectNode path = failed(); regress(path, 1, 0, 1, List.of("../../etc/passwd"), 0); bad.add(path);
        ObjectNode negative = failed(); regress(negative, -1, 0, 0, List.of(), 0); bad.add(negative);
        ObjectNode sums = failed(); regress(sums, 1, 5, 5, List.of(), 0); bad.add(sums);
        ObjectNode unlisted = failed();
        regress(unlisted, 2, 1, 1, List.of("a"), 0).putObject("known_failures").put("b", "not a failing test");
        bad.add(unlisted);
        ObjectNode many = failed();
        ObjectNode known = regress(many, 2, 1, 1, List.of("a"), 0).putObject("known_failures");
        for (int i = 0; i < 10_000; i++) {
            known.put("t" + i, "why");
        }
        bad.add(many);
        ObjectNode lines = failed(); regress(lines, 2, 1, 1, List.of("a"), 0).putObject("known_failures").put("a", "two\nlines");
        bad.add(lines);
        ObjectNode huge = failed(); regress(huge, 1, 0, 1, List.of("a"), 5L << 20); bad.add(huge);
        for (ObjectNode r : bad) {
            TestWorker.Reply reply = worker.complete(job, r);
            assertThat(reply.status()).as(r.path("regress").toString().substring(0, Math.min(200, r.path("regress").toString().length())))
                    .isEqualTo(400);
            assertThat(reply.problemType()).isEqualTo("/problems/invalid-result");
            assertThat(reply.body().path("detail").asText()).startsWith("regress: ");
        }
        assertThat(Farm.build(id).getString("status")).isEqualTo("running");
        assertThat(Farm.build(id).getMap("regress")).isNull();

        // an artifact other than regression.diffs, one over 4 MiB: refused, nothing kept
        assertThat(worker.artifact(job, "regression.out", new byte[1]).problemType()).isEqualTo("/problems/unknown-artifact");
        TestWorker.Reply big = worker.artifact(job, "regression.diffs", new byte[(4 << 20) + 1]);
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.problemType()).isEqualTo("/problems/artifact-too-large");
        as(ADMIN).get("/api/v1/builds/" + id + "/artifacts/regression.diffs").then().statusCode(404);

        // a stale lease uploads nothing
        TestWorker.Job stale = new TestWorker.Job(job.id(), job.leaseToken() + 1, job.attempt(), job.extension(), job.version(),
                job.pgMajor(), job.platform(), job.recipeRevision(), job.recipe(), job.sourceSha256(), job.leaseTtlSeconds(),
                job.builderImage());
        assertThat(worker.artifact(stale, "regression.diffs", new byte[] {1}).status()).isEqualTo(409);

        // a completion without a suite: no regress, no diffs
        TestWorker.expect(worker.fail(job, "build", "compile-error", "upstream", 2, "make failed"), 200);
        assertThat(Farm.build(id).getMap("regress")).isNull();
    }

    private ObjectNode failed() {
        ObjectNode r = worker.result("failed");
        r.putObject("failure").put("step", "installcheck").put("cause", "regression-failed").put("responsibility", "upstream")
                .put("exit_code", 63).put("message", "failed");
        return r;
    }
}
