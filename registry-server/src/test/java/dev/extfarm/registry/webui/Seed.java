package dev.extfarm.registry.webui;

import static io.restassured.RestAssured.given;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.registry.support.Api;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Real data for the UI, made the way the farm makes it: a maintainer pushes recipes, a worker
 * (this class, over HTTP with the worker protocol) claims the builds, ships logs, uploads bundles
 * and reports success or a classified failure. Names are random, so nothing static can pass.
 */
final class Seed {

    static final Map<Integer, String> PLATFORMS = Map.of(15, "debian-12-amd64-glibc", 17, "debian-13-amd64-glibc",
            18, "debian-sid-amd64-glibc");
    static final String IMAGE = "sha256:" + "c".repeat(64);

    /** A claimed job. */
    record Job(long id, long lease, String extension, String version, int pg, String platform, String revision, String source) {
    }

    final String maintainer;
    final String worker;
    final String workerId;

    Seed(String workerId) {
        this(workerId, Api.token("maintainer", null));
    }

    /** With this maintainer (e.g. a tenant-scoped one, whose new extensions are private). */
    Seed(String workerId, String maintainer) {
        this.workerId = workerId;
        this.maintainer = maintainer;
        this.worker = Api.token("worker", null);
    }

    static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    /** Pushes a recipe; returns build id by PG major. */
    Map<Integer, Long> push(String name, String version, List<Integer> pg, String salt) {
        String yaml = "# " + salt + "\nname: " + name + "\nversion: " + version + "\ndescription: " + name.replace('_', ' ')
                + " does useful things to vectors and text\nlicense: PostgreSQL\nsource:\n  url: https://example.org/" + name + "-"
                + version + ".tar.gz\n  sha256: " + source(name, version) + "\npg:\n"
                + pg.stream().map(m -> "  - " + m + "\n").collect(Collectors.joining());
        String transport = RecipeTransport.toJson(RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), Map.of()));
        JsonPath r = as(maintainer).contentType(ContentType.JSON).body(transport).post("/api/v1/recipes")
                .then().statusCode(201).extract().jsonPath();
        Map<Integer, Long> ids = new HashMap<>();
        for (Map<String, Object> s : r.<Map<String, Object>>getList("scheduled")) {
            ids.put(((Number) s.get("pg_major")).intValue(), ((Number) s.get("build_id")).longValue());
        }
        return ids;
    }

    static String source(String name, String version) {
        return Digests.sha256((name + "-" + version).getBytes(StandardCharsets.UTF_8));
    }

    /** Claims up to {@code max} queued jobs for every target. */
    List<Job> claim(int max) {
        Map<String, Object> body = new HashMap<>();
        body.put("worker_id", workerId);
        body.put("max_jobs", max);
        List<Map<String, Object>> targets = new ArrayList<>();
        PLATFORMS.forEach((m, p) -> targets.add(Map.of("pg_major", m, "platform", p, "builder_image", IMAGE)));
        body.put("targets", targets);
        JsonPath r = as(worker).contentType(ContentType.JSON).body(body).post("/api/v1/jobs/claim")
                .then().statusCode(200).extract().jsonPath();
        List<Job> jobs = new ArrayList<>();
        for (Map<String, Object> j : r.<Map<String, Object>>getList("jobs")) {
            jobs.add(new Job(((Number) j.get("id")).longValue(), ((Number) j.get("lease_token")).longValue(), (String) j.get("extension"),
                    (String) j.get("version"), ((Number) j.get("pg_major")).intValue(), (String) j.get("platform"),
                    (String) j.get("recipe_revision"), (String) j.get("source_sha256")));
        }
        return jobs;
    }

    /** Claims until the job of build {@code id} is among the claimed ones (the queue is emptied of others first by the test). */
    Job claim(long id) {
        for (int i = 0; i < 20; i++) {
            for (Job j : claim(1)) {
                if (j.id() == id) {
                    return j;
                }
                fail(j, "fetch", "source-unavailable", "upstream", 1, "not the job this test wanted");
            }
        }
        throw new AssertionError("build " + id + " was never claimed");
    }

    void heartbeat(Job j, String step) {
        as(worker).contentType(ContentType.JSON).body(Map.of("lease_token", j.lease(), "step", step))
                .post("/api/v1/jobs/" + j.id() + "/heartbeat").then().statusCode(200);
    }

    void log(Job j, String text) {
        as(worker).contentType("text/plain; charset=utf-8").body(text.getBytes(StandardCharsets.UTF_8))
                .post("/api/v1/jobs/" + j.id() + "/log?lease_token=" + j.lease()).then().statusCode(200);
    }

    static String header(Job j) {
        return "##[extfarm] job " + j.id() + " attempt 1: " + j.extension() + " " + j.version() + " for PostgreSQL " + j.pg()
                + " on " + j.platform() + "\n##[extfarm] step fetch\nfetching https://example.org/" + j.extension() + "-" + j.version()
                + ".tar.gz\n##[extfarm] step verify-source\n##[extfarm] source " + j.extension() + ".tar.gz sha-256 " + j.source() + " verified\n";
    }

    /** A whole successful build: log, bundle upload (fenced), completion with step timings. */
    String succeed(Job j) {
        return succeed(j, null);
    }

    /** The same, the bundle's manifest recording these compatibility floors (null: none). */
    String succeed(Job j, dev.extfarm.bundle.Compatibility floors) {
        log(j, header(j) + "##[extfarm] step build\nmake USE_PGXS=1 with_llvm=no\ncc -O2 -fPIC -c " + j.extension() + ".c\n"
                + "##[extfarm] step install\nmake install DESTDIR=/out/install\n##[extfarm] step smoke-test\nCREATE EXTENSION\n");
        Packed b = pack(j, floors);
        as(worker).header("X-Extfarm-Job", j.id()).header("X-Extfarm-Lease-Token", j.lease()).contentType("application/x-tar")
                .body(b.bytes()).put("/" + b.address()).then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        Map<String, Object> r = result("succeeded", List.of(step("fetch", 140), step("verify-source", 30), step("build", 5200),
                step("install", 300), step("smoke-test", 2100), step("pack", 60), step("publish", 90)));
        r.put("bundle", Map.of("name", j.extension(), "sha256", b.sha256()));
        complete(j, r);
        return b.sha256();
    }

    /** A failure at {@code step}; {@code lines} are the failing step's output. */
    void fail(Job j, String step, String cause, String responsibility, int exit, String message, String... lines) {
        StringBuilder log = new StringBuilder(header(j)).append("##[extfarm] step ").append(step).append('\n');
        for (String l : lines) {
            log.append(l).append('\n');
        }
        log.append("##[extfarm] build failed at ").append(step).append(": ").append(cause).append(": ").append(message).append('\n');
        log(j, log.toString());
        Map<String, Object> r = result("failed", List.of(step("fetch", 150), step("verify-source", 20), step(step, 800)));
        r.put("failure", Map.of("step", step, "cause", cause, "responsibility", responsibility, "exit_code", exit, "message", message));
        complete(j, r);
    }

    /** regression.diffs of the running build (PUT /api/v1/jobs/{id}/artifacts/regression.diffs). */
    void diffs(Job j, byte[] bytes) {
        as(worker).contentType("text/plain").body(bytes)
                .put("/api/v1/jobs/" + j.id() + "/artifacts/regression.diffs?lease_token=" + j.lease()).then().statusCode(200);
    }

    /** A failure at installcheck with the suite's report (and {@code diffs} uploaded first). */
    void failRegression(Job j, byte[] diffs, int run, List<String> failed) {
        diffs(j, diffs);
        log(j, header(j) + "##[extfarm] step installcheck\ntest base ... FAILED\n##[extfarm] build failed at installcheck: "
                + "regression-failed: " + failed.size() + " of " + run + " regression tests failed\n");
        Map<String, Object> r = result("failed", List.of(step("fetch", 150), step("smoke-test", 2000), step("installcheck", 4100)));
        r.put("failure", Map.of("step", "installcheck", "cause", "regression-failed", "responsibility", "upstream", "exit_code", 63,
                "message", failed.size() + " of " + run + " regression tests failed: " + String.join(", ", failed)));
        r.put("regress", Map.of("run", run, "passed", run - failed.size(), "failed", failed.size(), "ignored", 0,
                "failed_tests", failed, "known_failures", Map.of(), "stale_known_failures", List.of(),
                "diffs_bytes", diffs.length, "diffs_truncated", false));
        complete(j, r);
    }

    /** A success whose suite had a known failure (the recipe's reason). */
    String succeedWithKnownFailure(Job j, String test, String reason) {
        log(j, header(j) + "##[extfarm] step installcheck\n##[extfarm] warning: " + test + " failed, a known failure: " + reason + "\n");
        Packed b = pack(j);
        as(worker).header("X-Extfarm-Job", j.id()).header("X-Extfarm-Lease-Token", j.lease()).contentType("application/x-tar")
                .body(b.bytes()).put("/" + b.address()).then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        Map<String, Object> r = result("succeeded", List.of(step("fetch", 140), step("installcheck", 3000), step("pack", 60)));
        r.put("bundle", Map.of("name", j.extension(), "sha256", b.sha256()));
        r.put("regress", Map.of("run", 5, "passed", 4, "failed", 1, "ignored", 0, "failed_tests", List.of(test),
                "known_failures", Map.of(test, reason), "stale_known_failures", List.of(), "diffs_bytes", 0, "diffs_truncated", false));
        complete(j, r);
        return b.sha256();
    }

    void complete(Job j, Map<String, Object> result) {
        result.put("lease_token", j.lease());
        as(worker).contentType(ContentType.JSON).body(result).post("/api/v1/jobs/" + j.id() + "/complete").then().statusCode(200);
    }

    private Map<String, Object> result(String status, List<Map<String, Object>> steps) {
        Map<String, Object> r = new HashMap<>();
        r.put("worker_id", workerId);
        r.put("status", status);
        r.put("builder_image", IMAGE);
        r.put("started_at", Instant.now().minusSeconds(8).toString());
        r.put("finished_at", Instant.now().toString());
        r.put("steps", steps);
        return r;
    }

    private static Map<String, Object> step(String name, long millis) {
        return Map.of("step", name, "millis", millis);
    }

    record Packed(String name, String sha256, byte[] bytes) {
        String address() {
            return "extensions/" + name + "/sha-256+" + sha256 + "/bundle.tar";
        }
    }

    static Packed pack(Job j) {
        return pack(j, null);
    }

    static Packed pack(Job j, dev.extfarm.bundle.Compatibility floors) {
        try {
            Path tree = Files.createTempDirectory("seed-tree");
            Path ext = Files.createDirectories(tree.resolve("share/extension"));
            String name = j.extension();
            Files.writeString(ext.resolve(name + ".control"), "comment = 'similarity search and text helpers (seeded by the web UI tests)'\ndefault_version = '" + j.version()
                    + "'\nmodule_pathname = '$libdir/" + name + "'\nrelocatable = true\n");
            Files.writeString(ext.resolve(name + "--" + j.version() + ".sql"), "CREATE FUNCTION " + name + "_hello() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n");
            Path lib = Files.createDirectories(tree.resolve("lib"));
            byte[] so = new byte[40_000 + j.pg() * 100];
            new java.util.Random(j.revision().hashCode() + j.pg()).nextBytes(so);
            Files.write(lib.resolve(name + ".so"), so);
            BundleManifest m = BundleManifest.builder().name(name).version(j.version()).pgMajor(j.pg())
                    .platform(Platform.parse(j.platform())).defaultVersion(j.version()).extensions(List.of(name))
                    .libraries(List.of(name)).systemLibraries(List.of("libc.so.6", "libm.so.6")).license("PostgreSQL")
                    .build(new BundleManifest.BuildInputs(j.revision(), j.source(), IMAGE, 1_700_000_000L))
                    .compatibility(floors).build();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            var packed = BundleWriter.pack(tree, m, 1_700_000_000L, out);
            return new Packed(name, packed.sha256(), out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
