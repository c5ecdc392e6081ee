package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Many workers, one queue: 20 concurrent claimers over HTTP, and every job is handed out exactly once. */
@QuarkusTest
class ClaimRaceTest {

    static final int CLAIMERS = 20;

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    @BeforeEach
    void clean() {
        janitor.cancelEverythingLive();
    }

    @Test
    void twentyConcurrentClaimersGetEveryJobExactlyOnce() throws Exception {
        String maintainer = Farm.token("maintainer");
        Set<Long> queued = new HashSet<>();
        for (int i = 0; i < 15; i++) {
            queued.addAll(Farm.pushNew(maintainer, Farm.unique("race"), List.of(15, 17, 18)).values());
        }
        assertThat(queued).hasSize(45);
        String token = Farm.token("worker");

        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<TestWorker.Job>>> results = new ArrayList<>();
        for (int i = 0; i < CLAIMERS; i++) {
            TestWorker w = new TestWorker(url.toURI(), token, "racer-" + i);
            int max = 1 + i % 3;
            Callable<List<TestWorker.Job>> claimer = () -> {
                start.await();
                List<TestWorker.Job> mine = new ArrayList<>();
                while (true) {
                    List<TestWorker.Job> got = w.claim(max);
                    if (got.isEmpty()) {
                        return mine;
                    }
                    mine.addAll(got);
                }
            };
            results.add(pool.submit(claimer));
        }
        start.countDown();
        List<Long> claimed = new ArrayList<>();
        for (Future<List<TestWorker.Job>> f : results) {
            f.get(120, TimeUnit.SECONDS).forEach(j -> {
                claimed.add(j.id());
                assertThat(j.leaseToken()).isEqualTo(1);
                assertThat(j.attempt()).isEqualTo(1);
            });
        }
        pool.shutdownNow();

        assertThat(claimed).doesNotHaveDuplicates();
        assertThat(new HashSet<>(claimed)).isEqualTo(queued);
        assertThat(as(ADMIN).queryParam("status", "running").queryParam("size", 200).get("/api/v1/builds")
                .jsonPath().getList("items.id", Long.class)).containsAll(queued);
    }

    @Test
    void aClaimGetsOnlyJobsOfItsTargetsOldestFirst() throws Exception {
        String maintainer = Farm.token("maintainer");
        var first = Farm.pushNew(maintainer, Farm.unique("order"), List.of(15, 17));
        var second = Farm.pushNew(maintainer, Farm.unique("order"), List.of(15, 17));
        TestWorker w = new TestWorker(url.toURI(), Farm.token("worker"), "pg17-only");
        List<TestWorker.Job> jobs = w.claim(5, List.of(17));
        assertThat(jobs).extracting(TestWorker.Job::id).containsExactly(first.get(17), second.get(17));
        assertThat(jobs).allMatch(j -> j.pgMajor() == 17 && j.platform().equals("debian-13-amd64-glibc"));
        // a worker whose platform differs from the farm's target for that major gets nothing
        TestWorker.Reply r = w.post("/api/v1/jobs/claim", TestWorker.JSON.readTree("{\"worker_id\":\"x\",\"targets\":[{\"pg_major\":15,"
                + "\"platform\":\"debian-12-arm64-glibc\",\"builder_image\":\"sha256:" + "a".repeat(64) + "\"}]}"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("jobs")).isEmpty();
        // malformed claims are refused with a problem
        r = w.post("/api/v1/jobs/claim", TestWorker.JSON.readTree("{\"worker_id\":\"x\",\"targets\":[{\"pg_major\":15,"
                + "\"platform\":\"debian-12-amd64-glibc\",\"builder_image\":\"latest\"}]}"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemType()).isEqualTo("/problems/invalid-claim");
    }
}
