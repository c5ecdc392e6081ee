package dev.extfarm.worker.farm;

import dev.extfarm.bundle.FileTrees;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.testsupport.PackagedRegistry;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, item 3, at the worker: a recipe whose source is an internal address, and one whose
 * source is a {@code file:} URL, fail at the fetch step with the rule as cause (responsibility:
 * recipe) and nothing is read. The packaged registry and worker run as processes; the registry's
 * operator allowed the internal host (so the push passes: allow lists and DNS answers can differ
 * between push and fetch), the worker's did not. The {@code file:} URL cannot be pushed any more:
 * the test writes it into the stored revision, as a revision pushed before the rule would be.
 */
class SourceEgressIT {

    @Test
    void internalAndFileSourcesFailAtFetchWithoutBeingRead() throws Exception {
        dev.extfarm.worker.pipeline.TestImagesAccess.await("bookworm-pg15");
        Path data = Files.createTempDirectory("extfarm-source-egress");
        Path secret = data.resolve("host-secret");
        run("mkfifo", secret.toString());
        AtomicBoolean opened = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(secret)) {   // returns once someone opens it for reading
                opened.set(true);
            } catch (Exception ignored) {
                // released by the test
            }
        });
        watcher.setDaemon(true);
        watcher.start();

        try (SourceServer upstream = new SourceServer(); LocalPostgres pg = LocalPostgres.start(data)) {
            URI internal = upstream.serve(FixtureRecipes.tarball(data, "hello_c", ""));
            try (PackagedRegistry registry = PackagedRegistry.builder().dataDir(data.resolve("registry")).log(data.resolve("registry.log"))
                    .env(Map.of("EXTFARM_DB_URL", pg.jdbcUrl(), "EXTFARM_DB_USER", "postgres", "EXTFARM_DB_PASSWORD", "",
                            "EXTFARM_FARM_TARGETS", "15:debian-12-amd64-glibc", "EXTFARM_SOURCE_ALLOW", upstream.allowEntry()))
                    .start()) {
                URI base = registry.base();
                Api admin = new Api(base, registry.adminToken());
                Api maintainer = admin.as(admin.post("/api/v1/admin/tokens", Map.of("role", "maintainer", "label", "egress"))
                        .path("token").asText());
                String workerToken = admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", "egress")).path("token").asText();

                long internalBuild = push(maintainer, recipe(data, "egress_internal", internal.toString()));
                String placeholder = upstream.serve(Files.copy(data.resolve("hello_c.tar.gz"), data.resolve("placeholder.tar.gz"))).toString();
                long fileBuild = push(maintainer, recipe(data, "egress_file", placeholder));
                try (Connection c = pg.connect(); PreparedStatement s = c.prepareStatement(
                        "UPDATE recipe_revision SET transport = ((replace(transport, ?, ?))::jsonb - 'revision')::text "
                                + "WHERE extension_name = 'egress_file'")) {
                    s.setString(1, placeholder);
                    s.setString(2, secret.toUri().toString());
                    assertThat(s.executeUpdate()).isEqualTo(1);
                }

                Map<String, String> workerEnv = new HashMap<>(Map.of(
                        "EXTFARM_WORKER_REGISTRY", base.toString(), "EXTFARM_WORKER_TOKEN", workerToken, "EXTFARM_WORKER_ID", "egress",
                        "EXTFARM_WORKER_TARGETS", "bookworm-pg15", "EXTFARM_WORKER_WORK_DIR", data.resolve("work").toString(),
                        "EXTFARM_WORKER_SOURCE_CACHE", data.resolve("sources").toString(),
                        "EXTFARM_WORKER_PORT", String.valueOf(JavaProcess.freePort()), "EXTFARM_WORKER_POLL_INTERVAL", "1s"));
                try (JavaProcess worker = JavaProcess.start(FarmIT.WORKER_JAR, workerEnv, data.resolve("worker.log"))) {
                    JsonNode a = await(admin, internalBuild);
                    JsonNode b = await(admin, fileBuild);

                    assertThat(a.path("status").asText()).as(a.toString()).isEqualTo("failed");
                    assertThat(a.path("failure").path("step").asText()).isEqualTo("fetch");
                    assertThat(a.path("failure").path("cause").asText()).isEqualTo("source-address-forbidden");
                    assertThat(a.path("failure").path("responsibility").asText()).isEqualTo("recipe");
                    assertThat(a.path("failure").path("message").asText()).contains("127.0.0.1 is a loopback address");

                    assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("failed");
                    assertThat(b.path("failure").path("step").asText()).isEqualTo("fetch");
                    assertThat(b.path("failure").path("cause").asText()).isEqualTo("source-url-scheme");
                    assertThat(b.path("failure").path("responsibility").asText()).isEqualTo("recipe");
                    String log = new String(admin.bytes("/api/v1/builds/" + fileBuild + "/log"));
                    assertThat(log).contains("build failed at fetch: source-url-scheme");
                }
            }
            assertThat(upstream.requests()).as("the internal host heard nothing").isZero();
        } finally {
            boolean read = opened.get();
            if (!read) {
                Files.newInputStream(secret).close();   // releases the watcher
            }
            assertThat(read).as("nobody opened the file: URL's file").isFalse();
            FileTrees.deleteRecursively(data);
        }
    }

    private static Path recipe(Path data, String name, String url) throws Exception {
        Path dir = Files.createDirectories(data.resolve("recipes").resolve(name));
        String sha = dev.extfarm.bundle.Digests.sha256(data.resolve("hello_c.tar.gz"));
        Files.writeString(dir.resolve("recipe.yaml"), "name: " + name + "\nversion: 1.0.0\nlicense: PostgreSQL\n"
                + "description: egress fixture\nsource:\n  url: " + url + "\n  sha256: " + sha + "\n"
                + "pg: [15]\ntest:\n  sql: SELECT hello_c();\n");
        return dir;
    }

    private static long push(Api maintainer, Path dir) throws Exception {
        JsonNode r = maintainer.post("/api/v1/recipes", RecipeBundle.readDirectory(dir).toJson());
        return r.path("scheduled").get(0).path("build_id").asLong();
    }

    private static JsonNode await(Api admin, long id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        JsonNode b = null;
        while (System.nanoTime() < deadline) {
            b = admin.get("/api/v1/builds/" + id);
            if (!b.path("status").asText().equals("queued") && !b.path("status").asText().equals("running")) {
                return b;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("build " + id + " did not finish: " + b);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }
}
