package dev.extfarm.worker.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.testsupport.PackagedRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, item 2, with a real build: a recipe whose {@code make install} also installs another
 * extension's control file (an extension already published) and PostgreSQL's own
 * {@code plpgsql.control} (the real one, byte for byte, so the build's smoke test passes) builds
 * in Docker, and then its upload is refused: the build fails at {@code publish} with cause
 * {@code name-conflict}, responsibility recipe (not a farm fault, which would be retried), and the
 * report names both files. Nothing of it is published. The packaged registry and builder worker as
 * child processes, bookworm-pg15 images.
 */
class NameConflictBuildIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path WORKER_JAR = ROOT.resolve("builder-worker/target/quarkus-app/quarkus-run.jar");
    static final Path PLPGSQL_CONTROL = Path.of("/usr/share/postgresql/15/extension/plpgsql.control");

    static Path data;
    static URI base;
    static PackagedRegistry registry;
    static JavaProcess worker;
    static Api admin;
    static Api maintainer;

    @BeforeAll
    static void start() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(PLPGSQL_CONTROL), "PostgreSQL 15's plpgsql.control is needed");
        dev.extfarm.worker.pipeline.TestImagesAccess.await("bookworm-pg15");
        data = Files.createTempDirectory("extfarm-name-conflict");
        registry = PackagedRegistry.builder().dataDir(data.resolve("registry")).log(data.resolve("registry.log"))
                .env("EXTFARM_FARM_TARGETS", "15:debian-12-amd64-glibc").readyTimeout(Duration.ofSeconds(120)).start();
        base = registry.base();
        admin = new Api(base, registry.adminToken());
        String workerToken = admin.post("/api/v1/admin/tokens", Map.of("role", "worker", "label", "name-conflict")).path("token").asText();
        maintainer = admin.as(admin.post("/api/v1/admin/tokens", Map.of("role", "maintainer", "label", "name-conflict")).path("token").asText());
        worker = JavaProcess.start(WORKER_JAR, Map.of(
                "EXTFARM_WORKER_REGISTRY", base.toString(), "EXTFARM_WORKER_TOKEN", workerToken, "EXTFARM_WORKER_ID", "names-1",
                "EXTFARM_WORKER_TARGETS", "bookworm-pg15", "EXTFARM_WORKER_WORK_DIR", data.resolve("work").toString(),
                "EXTFARM_WORKER_SOURCE_CACHE", data.resolve("sources").toString(),
                "EXTFARM_WORKER_PORT", String.valueOf(JavaProcess.freePort()),
                "EXTFARM_WORKER_WALL_TIME", "120s", "EXTFARM_WORKER_MEMORY", "1g", "EXTFARM_WORKER_POLL_INTERVAL", "1s"),
                data.resolve("worker.log"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aBuildInstallingAnotherExtensionsAndPostgresqlsControlFilesIsRefusedAtPublish() throws Exception {
        // pubext is published first (an admin's upload): it owns its name
        Path owner = ownerBundle();
        var put = admin.raw(HttpRequest.newBuilder(base.resolve("/extensions/pubext/sha-256+" + Digests.sha256(owner) + "/bundle.tar"))
                .PUT(HttpRequest.BodyPublishers.ofFile(owner)));
        assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(201);

        long build = push(shadowRecipe()).get(15);
        JsonNode b = await(build, Duration.ofMinutes(10));
        assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("failed");
        JsonNode failure = b.path("failure");
        assertThat(failure.path("step").asText()).isEqualTo("publish");
        assertThat(failure.path("cause").asText()).isEqualTo("name-conflict");
        assertThat(failure.path("responsibility").asText()).isEqualTo("recipe");
        assertThat(failure.path("message").asText())
                .contains("extension-name-reserved")
                .contains("extension 'plpgsql' (share/extension/plpgsql.control), which is PostgreSQL's own")
                .contains("extension 'pubext' (share/extension/pubext.control), which belongs to the extension 'pubext'")
                .contains("nothing was stored");
        String log = new String(admin.bytes("/api/v1/builds/" + build + "/log"));
        assertThat(log).contains("build failed at publish: name-conflict");

        // nothing of shadow was published: the catalog has no bundle of it, pubext still owns its name
        JsonNode catalog = admin.get("/api/v1/extensions/shadow");
        assertThat(catalog.path("versions")).isEmpty();
        JsonNode names = admin.get("/api/v1/admin/extension-names?owner=pubext");
        assertThat(names.findValuesAsText("name")).contains("pubext");
        assertThat(admin.get("/api/v1/admin/extension-names?owner=shadow")).isEmpty();
    }

    /** A pure-SQL extension pubext, packed by hand (the published owner of the name). */
    private static Path ownerBundle() throws Exception {
        Path tree = data.resolve("pubext-tree");
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/pubext.control"), "comment = 'the real pubext'\ndefault_version = '1.0'\n");
        Files.writeString(tree.resolve("share/extension/pubext--1.0.sql"), "CREATE FUNCTION pubext_answer() RETURNS int LANGUAGE sql AS 'SELECT 42';\n");
        BundleManifest m = BundleManifest.builder().name("pubext").version("1.0").pgMajor(15).platform(Platform.parse("debian-12-amd64-glibc"))
                .defaultVersion("1.0").extensions(List.of("pubext")).license("PostgreSQL").build();
        Path out = data.resolve("pubext.tar");
        BundleWriter.pack(tree, m, 1_700_000_000L, out);
        return out;
    }

    /**
     * Recipe shadow: its own extension, plus pubext.control and a copy of PostgreSQL's own
     * plpgsql.control installed by make install. The source travels in the recipe (source.bundled).
     */
    private static Path shadowRecipe() throws Exception {
        Path src = Files.createDirectories(data.resolve("src/shadow-1.0"));
        Files.writeString(src.resolve("Makefile"), "EXTENSION = shadow\nDATA = shadow--1.0.sql pubext.control pubext--1.0.sql plpgsql.control\n"
                + "PG_CONFIG ?= pg_config\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n");
        Files.writeString(src.resolve("shadow.control"), "comment = 'shadows others'\ndefault_version = '1.0'\nrelocatable = true\n");
        Files.writeString(src.resolve("shadow--1.0.sql"), "CREATE FUNCTION shadow_answer() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
        Files.writeString(src.resolve("pubext.control"), "comment = 'not the real pubext'\ndefault_version = '1.0'\n");
        Files.writeString(src.resolve("pubext--1.0.sql"), "CREATE FUNCTION pubext_answer() RETURNS int LANGUAGE sql AS 'SELECT 666';\n");
        Files.copy(PLPGSQL_CONTROL, src.resolve("plpgsql.control"));
        Files.writeString(src.resolve("LICENSE"), "PostgreSQL License\n");
        Path recipe = Files.createDirectories(data.resolve("recipe-shadow/source"));
        Path tar = recipe.resolve("shadow-1.0.tar.gz");
        Process p = new ProcessBuilder("tar", "-C", src.getParent().toString(), "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                "-czf", tar.toString(), "shadow-1.0").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IOException("tar failed");
        }
        Path dir = recipe.getParent();
        Files.writeString(dir.resolve("recipe.yaml"), "name: shadow\nversion: 1.0.0\nlicense: PostgreSQL\ndescription: shadows others\n"
                + "source:\n  bundled: shadow-1.0.tar.gz\n  sha256: " + Digests.sha256(tar) + "\npg: [15]\n"
                + "test:\n  extensions: [shadow]\n  sql: SELECT shadow_answer();\n");
        return dir;
    }

    private static Map<Integer, Long> push(Path dir) throws Exception {
        JsonNode r = maintainer.post("/api/v1/recipes", RecipeBundle.readDirectory(dir).toJson());
        Map<Integer, Long> ids = new java.util.HashMap<>();
        for (JsonNode b : r.path("scheduled")) {
            ids.put(b.path("pg_major").asInt(), b.path("build_id").asLong());
        }
        assertThat(ids).as(r.toString()).containsKey(15);
        return ids;
    }

    private static JsonNode await(long buildId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode b = null;
        while (System.nanoTime() < deadline) {
            b = admin.get("/api/v1/builds/" + buildId);
            if (Set.of("succeeded", "failed", "cached", "cancelled", "farm-error").contains(b.path("status").asText())) {
                return b;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("build " + buildId + " did not finish: " + b);
    }
}
