package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cancelling builds: queued ones are never handed out; a running one's worker is told and fenced off. */
@QuarkusTest
class CancellationTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    TestWorker worker;
    String owner;

    @BeforeEach
    void setUp() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "cancel-w");
        owner = Farm.token("maintainer");
    }

    @Test
    void aCancelledQueuedBuildIsNeverClaimed() {
        long id = Farm.pushNew(owner, Farm.unique("cq"), List.of(15)).get(15);
        as(owner).post("/api/v1/builds/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
        assertThat(worker.claim(1)).isEmpty();
        as(owner).post("/api/v1/builds/" + id + "/cancel").then().statusCode(409)
                .contentType("application/problem+json").body("type", equalTo("/problems/build-finished"));
    }

    @Test
    void aRunningBuildsWorkerLearnsItFromTheHeartbeatAndNothingOfItIsPublished() {
        long id = Farm.pushNew(owner, Farm.unique("cr"), List.of(17)).get(17);
        TestWorker.Job job = worker.claim(1).get(0);
        TestWorker.expect(worker.log(job, "compiling\n"), 200);
        as(ADMIN).post("/api/v1/builds/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));

        TestWorker.Reply hb = TestWorker.expect(worker.heartbeat(job, "build"), 200);
        assertThat(hb.body().path("cancelled").asBoolean()).isTrue();
        TestWorker.Packed bundle = worker.pack(job);
        for (TestWorker.Reply r : List.of(worker.log(job, "more\n"), worker.upload(job, bundle), worker.complete(job, withBundle(bundle)))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(409);
            assertThat(r.problemType()).isEqualTo("/problems/job-cancelled");
        }
        as(ADMIN).urlEncodingEnabled(false).get("/" + bundle.address()).then().statusCode(404);
        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("cancelled");
        assertThat(b.getList("attempts.outcome")).containsExactly("cancelled");
        assertThat(b.getMap("result")).isNull();
        String log = as(ADMIN).get("/api/v1/builds/" + id + "/log").then().statusCode(200).extract().asString();
        assertThat(log).startsWith("compiling\n").contains("cancelled by admin token").doesNotContain("more");
    }

    @Test
    void onlyOwnersAndAdminsCancel() {
        long id = Farm.pushNew(owner, Farm.unique("cw"), List.of(15)).get(15);
        as(Farm.token("maintainer")).post("/api/v1/builds/" + id + "/cancel").then().statusCode(403);
        as(Farm.token("worker")).post("/api/v1/builds/" + id + "/cancel").then().statusCode(403);
        as(null).post("/api/v1/builds/" + id + "/cancel").then().statusCode(401);
        assertThat(Farm.build(id).getString("status")).isEqualTo("queued");
    }

    private com.fasterxml.jackson.databind.node.ObjectNode withBundle(TestWorker.Packed bundle) {
        var r = worker.result("succeeded");
        r.putObject("bundle").put("name", bundle.name()).put("sha256", bundle.sha256());
        return r;
    }
}
