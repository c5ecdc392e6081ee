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

/**
 * The build cache: a job whose inputs (recipe revision, source sha-256, builder image, PG major,
 * platform, bundle format) were built before is completed as {@code cached} at claim time.
 */
@QuarkusTest
class BuildCacheTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    TestWorker worker;
    String maintainer;
    String name;
    String revisionA;
    long firstBuild;

    @BeforeEach
    void buildRevisionA() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "cache-w");
        maintainer = Farm.token("maintainer");
        name = Farm.unique("cache");
        var r = Farm.push(maintainer, a()).then().statusCode(201).extract().jsonPath();
        revisionA = r.getString("revision");
        firstBuild = r.getLong("scheduled[0].build_id");
        TestWorker.expect(worker.succeed(worker.claim(1).get(0)), 200);
    }

    String a() {
        return Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "revision a"));
    }

    String b() {
        return Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "revision b"));
    }

    @Test
    void theSameInputsAtClaimTimeAreCompletedAsCachedWithTheSameBundle() {
        Farm.push(maintainer, b()).then().statusCode(201);
        TestWorker.expect(worker.fail(worker.claim(1).get(0), "build", "compile-error", "upstream", 2, "b is broken"), 200);

        // back to revision a: scheduled, but nothing is built
        long again = Farm.push(maintainer, a()).then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");
        assertThat(worker.claim(1)).isEmpty();

        JsonPath cached = Farm.build(again);
        JsonPath first = Farm.build(firstBuild);
        assertThat(cached.getString("status")).isEqualTo("cached");
        assertThat(cached.getLong("cached_from")).isEqualTo(firstBuild);
        assertThat(cached.getString("result.address")).isEqualTo(first.getString("result.address"));
        assertThat(cached.getString("inputs.builder_image")).isEqualTo(worker.builderImage);
        assertThat(cached.getInt("attempt")).isZero();
        assertThat(cached.getList("log_tail", String.class)).anyMatch(l -> l.contains("were built by build " + firstBuild));
        String log = as(ADMIN).get("/api/v1/builds/" + again + "/log").then().statusCode(200).extract().asString();
        assertThat(log).contains("nothing was built");
        // the catalog's last build for this major is the cached one
        as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(200)
                .body("versions[0].bundles[0].last_build.id", equalTo((int) again))
                .body("versions[0].bundles[0].last_build.status", equalTo("cached"));
    }

    @Test
    void anotherBuilderImageIsACacheMiss() {
        Farm.push(maintainer, b()).then().statusCode(201);
        worker.fail(worker.claim(1).get(0), "build", "compile-error", "upstream", 2, "b is broken");
        long again = Farm.push(maintainer, a()).then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");

        TestWorker newImage = worker.withImage("sha256:" + "e".repeat(64));
        List<TestWorker.Job> jobs = newImage.claim(1);
        assertThat(jobs).extracting(TestWorker.Job::id).containsExactly(again);
        TestWorker.expect(newImage.succeed(jobs.get(0)), 200);
        assertThat(Farm.build(again).getString("status")).isEqualTo("succeeded");
        assertThat(Farm.build(again).getString("result.sha256")).isNotEqualTo(Farm.build(firstBuild).getString("result.sha256"));
    }

    @Test
    void anUnchangedPushSchedulesNothingAndARebuildBypassesTheCache() {
        Farm.push(maintainer, a()).then().statusCode(200).body("unchanged", equalTo(true));
        assertThat(worker.claim(1)).isEmpty();

        long rebuild = as(maintainer).post("/api/v1/recipes/" + name + "/rebuild").then().statusCode(200)
                .extract().jsonPath().getLong("scheduled[0].build_id");
        List<TestWorker.Job> jobs = worker.claim(1);
        assertThat(jobs).extracting(TestWorker.Job::id).containsExactly(rebuild);
        assertThat(jobs.get(0).recipeRevision()).isEqualTo(revisionA);
        TestWorker.expect(worker.succeed(jobs.get(0)), 200);
        JsonPath b = Farm.build(rebuild);
        assertThat(b.getString("status")).isEqualTo("succeeded");
        assertThat(b.getString("reason")).isEqualTo("rebuild");
        // deterministic: the same inputs gave the same bundle
        assertThat(b.getString("result.sha256")).isEqualTo(Farm.build(firstBuild).getString("result.sha256"));
        assertThat(b.getLong("previous.id")).isEqualTo(firstBuild);
    }
}
