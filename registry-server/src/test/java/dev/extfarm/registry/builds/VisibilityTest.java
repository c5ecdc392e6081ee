package dev.extfarm.registry.builds;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One visibility rule for builds, logs and recipes: what belongs to a private extension exists
 * only for its tenant, its maintainers and admins; for everyone else it is absent from lists and
 * 404 when asked for.
 */
@QuarkusTest
class VisibilityTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    String tenant;
    String tenantMaintainer;
    String privateName;
    long privateBuild;
    long publicBuild;

    @BeforeEach
    void aPrivateAndAPublicBuild() throws Exception {
        janitor.cancelEverythingLive();
        tenant = Farm.tenant();
        tenantMaintainer = Farm.token("maintainer", tenant);
        privateName = Farm.unique("secret");
        privateBuild = Farm.pushNew(tenantMaintainer, privateName, List.of(15)).get(15);
        publicBuild = Farm.pushNew(Farm.token("maintainer"), Farm.unique("open"), List.of(15)).get(15);
        TestWorker worker = new TestWorker(url.toURI(), Farm.token("worker"), "vis-w");
        for (TestWorker.Job job : worker.claim(2)) {
            if (job.id() == privateBuild) {
                TestWorker.expect(worker.succeed(job), 200);
            } else {
                TestWorker.expect(worker.fail(job, "build", "compile-error", "upstream", 2, "oops"), 200);
            }
        }
    }

    @Test
    void privateBuildsExistOnlyForTheirTenantMaintainersAndAdmins() {
        Map<String, String> allowed = new LinkedHashMap<>();
        allowed.put("admin", ADMIN);
        allowed.put("owner (tenant maintainer)", tenantMaintainer);
        allowed.put("the tenant's compute token", Farm.token("compute", tenant));
        allowed.put("another maintainer of the tenant", Farm.token("maintainer", tenant));
        Map<String, String> denied = new LinkedHashMap<>();
        denied.put("anonymous", null);
        denied.put("a farm-wide maintainer", Farm.token("maintainer"));
        denied.put("another tenant's compute token", Farm.token("compute", Farm.tenant()));
        denied.put("a worker", Farm.token("worker"));

        allowed.forEach((who, token) -> assertSees(who, token, true));
        denied.forEach((who, token) -> assertSees(who, token, false));
    }

    private void assertSees(String who, String token, boolean sees) {
        int status = sees ? 200 : 404;
        List<Long> all = as(token).queryParam("size", 200).get("/api/v1/builds").then().statusCode(200)
                .extract().jsonPath().getList("items.id", Long.class);
        assertThat(all).as(who + ": builds listing").contains(publicBuild);
        assertThat(all.contains(privateBuild)).as(who + ": builds listing").isEqualTo(sees);
        int total = as(token).queryParam("extension", privateName).get("/api/v1/builds").then().statusCode(200)
                .extract().path("total");
        assertThat(total).as(who + ": filtered listing").isEqualTo(sees ? 1 : 0);
        int succeeded = as(token).queryParam("status", "succeeded").queryParam("size", 200).get("/api/v1/builds")
                .jsonPath().getList("items.extension").contains(privateName) ? 1 : 0;
        assertThat(succeeded).as(who + ": status listing").isEqualTo(sees ? 1 : 0);
        as(token).get("/api/v1/builds/" + privateBuild).then().statusCode(status);
        as(token).get("/api/v1/builds/" + privateBuild + "/log").then().statusCode(status);
        as(token).header("Range", "bytes=0-3").get("/api/v1/builds/" + privateBuild + "/log").then().statusCode(sees ? 206 : 404);
        as(token).get("/api/v1/recipes/" + privateName).then().statusCode(status);
        as(token).get("/api/v1/builds/" + publicBuild).then().statusCode(200);
        as(token).get("/api/v1/builds/" + publicBuild + "/log").then().statusCode(200);
    }

    @Test
    void aMaintainerWhoCannotSeeAPrivateBuildCannotCancelItEither() {
        long queued = Farm.pushNew(tenantMaintainer, Farm.unique("secret"), List.of(17)).get(17);
        as(Farm.token("maintainer")).post("/api/v1/builds/" + queued + "/cancel").then().statusCode(404);
        as(tenantMaintainer).post("/api/v1/builds/" + queued + "/cancel").then().statusCode(200);
    }
}
