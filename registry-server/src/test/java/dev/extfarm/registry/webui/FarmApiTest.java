package dev.extfarm.registry.webui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /api/v1/farm and /api/v1/farm/failures on builds driven through the worker protocol. */
@QuarkusTest
class FarmApiTest {

    @Inject
    QueueJanitor janitor;

    @BeforeEach
    void emptyQueue() {
        janitor.cancelEverythingLive();
    }

    @Test
    void failuresAreGroupedByCauseWithStepsExtensionsAndTheLatestExample() {
        Seed seed = new Seed(Seed.unique("w"));
        String stem = Seed.unique("grp");
        String a = stem + "_a";
        String b = stem + "_b";
        Map<Integer, Long> ia = seed.push(a, "1.0", List.of(15, 17, 18), "a");
        Map<Integer, Long> ib = seed.push(b, "2.0", List.of(15, 17), "b");
        seed.fail(seed.claim(ia.get(15)), "build-deps", "missing-build-dependency", "recipe", 100, "no package libfoo-dev");
        seed.fail(seed.claim(ia.get(17)), "build-deps", "missing-build-dependency", "recipe", 100, "no package libfoo-dev");
        seed.fail(seed.claim(ia.get(18)), "patch", "patch-rejected", "recipe", 1, "hunk #1 FAILED at 12");
        seed.fail(seed.claim(ib.get(15)), "build", "missing-build-dependency", "upstream", 2, "fatal error: foo.h: No such file");
        seed.succeed(seed.claim(ib.get(17)));

        JsonPath one = given().queryParam("extension", a).get("/api/v1/farm/failures").then().statusCode(200).extract().jsonPath();
        assertThat(one.getLong("total")).isEqualTo(3);
        assertThat(one.getList("causes.cause")).containsExactly("missing-build-dependency", "patch-rejected");
        assertThat(one.getList("causes.count", Integer.class)).containsExactly(2, 1);
        assertThat(one.getMap("causes[0].steps")).containsEntry("build-deps", 2);
        assertThat(one.getMap("causes[0].responsibility")).containsEntry("recipe", 2);
        assertThat(one.getList("causes[0].extensions.name")).containsExactly(a);
        assertThat(one.getLong("causes[0].latest.id")).isEqualTo(ia.get(17));
        assertThat(one.getString("causes[1].latest.message")).isEqualTo("hunk #1 FAILED at 12");

        JsonPath latest = given().queryParam("extensions", a + "," + b).get("/api/v1/farm/latest-builds").then().statusCode(200)
                .extract().jsonPath();
        assertThat(latest.getList("items.extension")).containsExactly(a, a, a, b, b);
        assertThat(latest.getList("items.pg_major", Integer.class)).containsExactly(18, 17, 15, 17, 15);
        assertThat(latest.getList("items.status")).containsExactly("failed", "failed", "failed", "succeeded", "failed");
        assertThat(latest.getString("items[0].cause")).isEqualTo("patch-rejected");

        JsonPath all = given().get("/api/v1/farm/failures").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> causes = all.getList("causes");
        Map<String, Object> missing = causes.stream().filter(c -> c.get("cause").equals("missing-build-dependency")).findFirst().orElseThrow();
        assertThat((Map<String, Object>) missing.get("steps")).containsKeys("build-deps", "build");
        assertThat(all.getList("causes.count", Integer.class)).isSortedAccordingTo((x, y) -> Integer.compare(y, x));

        given().queryParam("extension", a).queryParam("pg", 18).get("/api/v1/farm/failures").then()
                .body("total", equalTo(1)).body("causes[0].cause", equalTo("patch-rejected"));
        given().queryParam("since", "2999-01-01").get("/api/v1/farm/failures").then().body("total", equalTo(0));
        given().queryParam("since", "yesterday").get("/api/v1/farm/failures").then().statusCode(400)
                .contentType("application/problem+json");

        // a rebuild that succeeds: PG 15 of a is no longer "still failing"
        Api.as(seed.maintainer).queryParam("pg", 15).post("/api/v1/recipes/" + a + "/rebuild").then().statusCode(200);
        seed.succeed(seed.claim(1).get(0));
        given().queryParam("extension", a).queryParam("current", true).get("/api/v1/farm/failures").then()
                .body("total", equalTo(2)).body("causes.count", org.hamcrest.Matchers.contains(1, 1));
    }

    @Test
    void theFarmShowsBusyWorkersTheQueuePerTargetAndThroughput() {
        String workerId = Seed.unique("farmw");
        Seed seed = new Seed(workerId);
        String name = Seed.unique("farm");
        Map<Integer, Long> ids = seed.push(name, "1.0", List.of(15, 17, 18), "x");

        JsonPath before = given().get("/api/v1/farm").then().statusCode(200).extract().jsonPath();
        assertThat(before.getLong("queue.queued")).isEqualTo(3);
        assertThat(before.getList("queue.targets.pg_major", Integer.class)).containsExactly(18, 17, 15);
        assertThat(before.getList("queue.targets.queued", Integer.class)).containsExactly(1, 1, 1);
        assertThat(before.getString("queue.oldest_queued_at")).isNotNull();

        Seed.Job job = seed.claim(ids.get(15));
        seed.heartbeat(job, "build");
        JsonPath busy = given().get("/api/v1/farm").then().statusCode(200).extract().jsonPath();
        Map<String, Object> w = busy.<Map<String, Object>>getList("workers").stream()
                .filter(x -> x.get("id").equals(workerId)).findFirst().orElseThrow();
        assertThat(w.get("state")).isEqualTo("busy");
        @SuppressWarnings("unchecked")
        Map<String, Object> current = (Map<String, Object>) w.get("current");
        assertThat(((Number) current.get("build_id")).longValue()).isEqualTo(ids.get(15));
        assertThat(current).containsEntry("extension", name).containsEntry("step", "build").containsEntry("pg_major", 15);
        assertThat(current.get("last_heartbeat_at")).isNotNull();
        assertThat(busy.getLong("queue.running")).isEqualTo(1);
        assertThat(busy.getLong("queue.queued")).isEqualTo(2);

        Number before24 = given().get("/api/v1/farm").then().extract().path("throughput.last_hour.succeeded");
        long finishedBefore = before24 == null ? 0 : before24.longValue();
        seed.succeed(job);
        JsonPath after = given().get("/api/v1/farm").then().statusCode(200).extract().jsonPath();
        assertThat(after.getLong("throughput.last_hour.succeeded")).isEqualTo(finishedBefore + 1);
        assertThat(after.getList("throughput.hourly")).hasSize(24);
        assertThat(after.getLong("throughput.hourly[23].finished")).isPositive();
        Map<String, Object> idle = after.<Map<String, Object>>getList("workers").stream()
                .filter(x -> x.get("id").equals(workerId)).findFirst().orElseThrow();
        assertThat(idle.get("state")).isEqualTo("idle");
        assertThat(idle.get("current")).isNull();
        assertThat(((Number) idle.get("builds24h")).intValue()).isEqualTo(1);

        given().get("/api/v1/farm/targets").then().statusCode(200).body("targets.pg_major", org.hamcrest.Matchers.contains(18, 17, 15));
    }

    @Test
    void privateBuildsAreLeftOutForEveryoneElse() {
        String tenant = Api.tenant("farm");
        Seed seed = new Seed(Seed.unique("w"), Api.token("maintainer", tenant));
        String name = Seed.unique("secret");
        Map<Integer, Long> ids = seed.push(name, "1.0", List.of(15, 17), "p");
        Seed.Job job = seed.claim(ids.get(15));
        seed.heartbeat(job, "build");

        JsonPath anon = given().get("/api/v1/farm").then().statusCode(200).extract().jsonPath();
        assertThat(anon.getLong("queue.queued")).isZero();
        assertThat(anon.getLong("queue.running")).isZero();
        Map<String, Object> w = anon.<Map<String, Object>>getList("workers").stream()
                .filter(x -> x.get("id").equals(seed.workerId)).findFirst().orElse(null);
        if (w != null) {
            assertThat(w.toString()).doesNotContain(name);
        }
        JsonPath owner = Api.as(seed.maintainer).get("/api/v1/farm").then().extract().jsonPath();
        assertThat(owner.getLong("queue.running")).isEqualTo(1);
        assertThat(owner.<Map<String, Object>>getList("workers").toString()).contains(name);

        seed.fail(job, "build", "compile-error", "upstream", 2, "error: secret.c:3: oops");
        given().queryParam("extension", name).get("/api/v1/farm/failures").then().body("total", equalTo(0));
        given().get("/api/v1/farm/failures").then().body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(name)));
        Api.as(Api.ADMIN).queryParam("extension", name).get("/api/v1/farm/failures").then().body("total", equalTo(1));
    }
}
