package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leases: heartbeats, expiry at the horizon, bounded attempts, and the fence against stale tokens. */
@QuarkusTest
class LeaseTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;
    @Inject
    LeaseSweeper sweeper;

    TestWorker worker;
    String maintainer;

    @BeforeEach
    void setUp() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "lease-w1");
        maintainer = Farm.token("maintainer");
    }

    @Test
    void aHeartbeatRenewsTheLeaseAndRecordsTheStep() throws Exception {
        long id = Farm.pushNew(maintainer, Farm.unique("hb"), List.of(15)).get(15);
        TestWorker.Job job = worker.claim(1).get(0);
        Instant first = Instant.parse(Farm.build(id).getString("lease_expires_at"));
        Thread.sleep(20);
        TestWorker.Reply r = TestWorker.expect(worker.heartbeat(job, "smoke-test"), 200);
        assertThat(r.body().path("cancelled").asBoolean()).isFalse();
        Instant renewed = Instant.parse(r.body().path("lease_expires_at").asText());
        assertThat(renewed).isAfter(first);
        JsonPath b = Farm.build(id);
        assertThat(b.getString("current_step")).isEqualTo("smoke-test");
        assertThat(Instant.parse(b.getString("lease_expires_at"))).isEqualTo(renewed);
    }

    @Test
    void leasesExpireStrictlyBeforeTheHorizon() {
        String name = Farm.unique("horizon");
        Farm.pushNew(maintainer, name, List.of(15, 17, 18));
        List<TestWorker.Job> jobs = worker.claim(3);
        assertThat(jobs).hasSize(3);
        // a horizon in the future, so the scheduled sweep (which uses now()) leaves these rows alone
        OffsetDateTime horizon = janitor.dbNow().plusHours(1).truncatedTo(ChronoUnit.MILLIS);
        janitor.setLeaseExpiry(jobs.get(0).id(), horizon.minus(1, ChronoUnit.MICROS));
        janitor.setLeaseExpiry(jobs.get(1).id(), horizon);
        janitor.setLeaseExpiry(jobs.get(2).id(), horizon.plus(1, ChronoUnit.MICROS));

        assertThat(sweeper.requeueExpired(horizon)).isEqualTo(1);
        assertThat(Farm.build(jobs.get(0).id()).getString("status")).isEqualTo("queued");
        assertThat(Farm.build(jobs.get(0).id()).getList("attempts.outcome")).containsExactly("lease-expired");
        assertThat(Farm.build(jobs.get(1).id()).getString("status")).isEqualTo("running");
        assertThat(Farm.build(jobs.get(2).id()).getString("status")).isEqualTo("running");
        assertThat(sweeper.requeueExpired(horizon.plus(1, ChronoUnit.MICROS))).isEqualTo(1);
        assertThat(Farm.build(jobs.get(1).id()).getString("status")).isEqualTo("queued");
        assertThat(Farm.build(jobs.get(2).id()).getString("status")).isEqualTo("running");
    }

    @Test
    void aStaleTokensHeartbeatLogUploadAndCompletionAreRefused() {
        String name = Farm.unique("stale");
        long id = Farm.pushNew(maintainer, name, List.of(15)).get(15);
        TestWorker.Job lost = worker.claim(1).get(0);
        TestWorker.Packed lostBundle = worker.pack(lost);
        expire(id);
        TestWorker successor = worker.as("lease-w2");
        TestWorker.Job current = successor.claim(1).get(0);
        assertThat(current.id()).isEqualTo(id);
        assertThat(current.leaseToken()).isEqualTo(lost.leaseToken() + 1);

        assertStale(worker.heartbeat(lost, "build"));
        assertStale(worker.log(lost, "from the dead\n"));
        assertStale(worker.upload(lost, lostBundle));
        as(ADMIN).urlEncodingEnabled(false).get("/" + lostBundle.address()).then().statusCode(404);
        var result = worker.result("failed");
        result.putObject("failure").put("step", "build").put("cause", "compile-error").put("responsibility", "upstream");
        assertStale(worker.complete(lost, result));
        // a token never issued is refused the same way; an unknown job is not found
        TestWorker.Job forged = new TestWorker.Job(id, current.leaseToken() + 5, 1, name, "1.0.0", 15, current.platform(),
                current.recipeRevision(), null, current.sourceSha256(), 60, worker.builderImage);
        assertStale(worker.heartbeat(forged, "build"));
        TestWorker.Job unknown = new TestWorker.Job(Long.MAX_VALUE, 1, 1, name, "1.0.0", 15, current.platform(),
                current.recipeRevision(), null, current.sourceSha256(), 60, worker.builderImage);
        assertThat(worker.heartbeat(unknown, "build").status()).isEqualTo(404);

        TestWorker.expect(successor.succeed(current), 200);
        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("succeeded");
        assertThat(b.getString("worker_id")).isEqualTo("lease-w2");
        assertThat(b.getList("attempts.outcome")).containsExactly("lease-expired", "succeeded");
        String log = as(ADMIN).get("/api/v1/builds/" + id + "/log").then().statusCode(200).extract().asString();
        assertThat(log).doesNotContain("from the dead").contains("worker lease-w1 stopped renewing the lease");
        // and once finished, even the successor's token is stale
        assertStale(successor.heartbeat(current, "build"));
    }

    @Test
    void attemptsAreBoundedWhenWorkersKeepDisappearing() {
        long id = Farm.pushNew(maintainer, Farm.unique("lost"), List.of(17)).get(17);
        for (int i = 1; i <= 3; i++) {
            TestWorker.Job job = worker.as("lost-" + i).claim(1).get(0);
            assertThat(job.attempt()).isEqualTo(i);
            expire(id);
        }
        assertThat(worker.claim(1)).isEmpty();
        JsonPath b = Farm.build(id);
        assertThat(b.getString("status")).isEqualTo("farm-error");
        assertThat(b.getString("failure.cause")).isEqualTo("lease-expired");
        assertThat(b.getString("failure.responsibility")).isEqualTo("farm");
        assertThat(b.getString("failure.message")).contains("3 of 3 attempts used");
        assertThat(b.getList("attempts.worker_id")).containsExactly("lost-1", "lost-2", "lost-3");
    }

    private void expire(long buildId) {
        janitor.setLeaseExpiry(buildId, janitor.dbNow().minusSeconds(1));
        sweeper.requeueExpired(null);
        assertThat(Farm.build(buildId).getString("status")).isIn("queued", "farm-error");
    }

    private static void assertStale(TestWorker.Reply r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.problemType()).isEqualTo("/problems/stale-lease");
    }
}
