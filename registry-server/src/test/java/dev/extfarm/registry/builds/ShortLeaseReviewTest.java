package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

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
 * With a 2 s lease and a 1 s sweep (the Quarkus Scheduler job, not called by hand): a silent
 * worker's job is re-queued within lease TTL + sweep interval, a heartbeating one keeps it. With
 * the review policy {@code required}, a built version waits for an admin.
 */
@QuarkusTest
@TestProfile(ShortLeaseReviewTest.Profile.class)
class ShortLeaseReviewTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // lease-ttl as plain seconds, the way operators may write it
            return Map.of("extfarm.queue.lease-ttl", "2", "extfarm.queue.sweep-interval", "1s", "extfarm.review.policy", "required");
        }
    }

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    TestWorker worker;
    String maintainer;

    @BeforeEach
    void setUp() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "short-w1");
        maintainer = Farm.token("maintainer");
    }

    @Test
    void aSilentWorkersJobIsRequeuedWithinLeaseTtlPlusSweepInterval() throws Exception {
        long id = Farm.pushNew(maintainer, Farm.unique("silent"), List.of(15)).get(15);
        TestWorker.Job lost = worker.claim(1).get(0);
        assertThat(lost.leaseTtlSeconds()).isEqualTo(2);
        long claimed = System.nanoTime();
        while (!Farm.build(id).getString("status").equals("queued")) {
            assertThat((System.nanoTime() - claimed) / 1_000_000).as("re-queued within 2 s + 1 s (+ slack for a busy machine)")
                    .isLessThan(10_000);
            Thread.sleep(100);
        }
        long millis = (System.nanoTime() - claimed) / 1_000_000;
        assertThat(millis).as("not before the lease expired").isGreaterThanOrEqualTo(1_900);

        TestWorker successor = worker.as("short-w2");
        TestWorker.Job current = successor.claim(1).get(0);
        assertThat(current.attempt()).isEqualTo(2);
        TestWorker.expect(successor.succeed(current), 200);
        var late = worker.result("failed");
        late.putObject("failure").put("step", "build").put("cause", "compile-error").put("responsibility", "upstream");
        assertThat(worker.complete(lost, late).status()).isEqualTo(409);
        assertThat(Farm.build(id).getList("attempts.outcome")).containsExactly("lease-expired", "succeeded");
    }

    @Test
    void aHeartbeatingWorkerKeepsItsJobPastTheTtl() throws Exception {
        long id = Farm.pushNew(maintainer, Farm.unique("alive"), List.of(17)).get(17);
        TestWorker.Job job = worker.claim(1).get(0);
        long until = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < until) {
            TestWorker.expect(worker.heartbeat(job, "build"), 200);
            Thread.sleep(400);
        }
        assertThat(Farm.build(id).getString("status")).isEqualTo("running");
        TestWorker.expect(worker.succeed(job), 200);
        assertThat(Farm.build(id).getInt("attempt")).isEqualTo(1);
    }

    @Test
    void aBuiltVersionWaitsForReviewWhenThePolicyRequiresIt() {
        String name = Farm.unique("review");
        long id = Farm.pushNew(maintainer, name, List.of(18)).get(18);
        TestWorker.expect(worker.succeed(worker.claim(1).get(0)), 200);

        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("succeeded");
        assertThat(b.getString("result.review_state")).isEqualTo("pending-review");
        as(null).get("/api/v1/extensions/" + name).then().statusCode(404);

        as(ADMIN).post("/api/v1/admin/extensions/" + name + "/versions/1.0.0/approve").then().statusCode(200);
        assertThat(Farm.build(id).getString("result.review_state")).isEqualTo("approved");
        as(null).get("/api/v1/extensions/" + name).then().statusCode(200);
    }
}
