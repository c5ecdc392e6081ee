package dev.extfarm.registry.webui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.builds.TestWorker;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The extension page in a real headless Chromium shows verified reproducibility: the rate per
 * target and, for a bundle that did not rebuild to the same bytes, the differing entry with its
 * cause and ELF sections. Seeded through the worker protocol (a first build, then its rebuild
 * claimed by another worker id and reported as not reproducible).
 */
@QuarkusTest
@TestProfile(ReproducibilityPageTest.Profile.class)
class ReproducibilityPageTest {

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

    @Test
    void theExtensionPageShowsTheRatePerTargetAndWhatDiffers() throws Exception {
        janitor.cancelEverythingLive();
        String token = Farm.token("worker");
        TestWorker first = new TestWorker(url.toURI(), token, "page-first");
        TestWorker second = new TestWorker(url.toURI(), token, "page-second");
        String name = Farm.unique("reproui");
        long published = Farm.push(Farm.token("maintainer"), Farm.transport(Farm.recipeYaml(name, "1.0.0", List.of(15), "p")))
                .then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");
        TestWorker.expect(first.succeed(first.claim(1, List.of(15)).get(0)), 200);
        String sha = Farm.build(published).getString("result.sha256");

        ObjectNode claim = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("worker_id", second.id).put("max_jobs", 1);
        claim.putArray("targets").addObject().put("pg_major", 15).put("platform", Farm.PLATFORMS.get(15))
                .put("builder_image", second.builderImage);
        JsonNode job = TestWorker.expect(second.post("/api/v1/jobs/claim", claim), 200).body().path("jobs").get(0);
        assertThat(job.path("verify").path("build_id").asLong()).isEqualTo(published);
        ObjectNode result = second.result("succeeded");
        ObjectNode report = result.putObject("reproducibility").put("published_sha256", sha).put("rebuilt_sha256", "5".repeat(64))
                .put("reproducible", false).put("differences_total", 1);
        ObjectNode d = report.putArray("differences").addObject().put("path", "lib/" + name + ".so").put("cause", "timestamp");
        d.putObject("published").put("type", "file").put("size", 16400).put("sha256", "1".repeat(64));
        d.putObject("rebuilt").put("type", "file").put("size", 16400).put("sha256", "2".repeat(64));
        d.putArray("elf_sections").add(".note.gnu.build-id").add(".rodata");
        result.put("lease_token", job.path("lease_token").asLong());
        TestWorker.expect(second.post("/api/v1/jobs/" + job.path("id").asLong() + "/complete", result), 200);

        Browser browser = new Browser(url.toString(), 1280, 900);
        try {
            browser.open("#/extensions/" + name);
            browser.textOf("main h1", name);
            assertThat(browser.textOf("#reproducibility [data-reproducibility=rates] tbody tr", "debian-12-amd64-glibc"))
                    .contains("15").contains("0 %");
            String verdict = browser.textOf("#reproducibility [data-verdict=not-reproducible]", "not reproducible");
            assertThat(verdict).contains("likely cause timestamp").contains("#" + published)
                    .contains("lib/" + name + ".so").contains(".rodata").contains("16400 B");
            // the rebuild is not the cell's build: the matrix still shows the bundle as built, nothing newer
            assertThat(browser.text(".matrix .cell-btn")).contains("built").doesNotContain("newer build");
            browser.screenshot("extension-reproducibility");
            assertThat(browser.consoleErrors()).isEmpty();
        } finally {
            browser.close();
        }
    }
}
