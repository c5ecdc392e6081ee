package dev.extfarm.registry.builds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import dev.extfarm.protocol.Wire;
import dev.extfarm.protocol.WorkerProtocol.BundleRef;
import dev.extfarm.protocol.WorkerProtocol.ClaimRequest;
import dev.extfarm.protocol.WorkerProtocol.ClaimResponse;
import dev.extfarm.protocol.WorkerProtocol.CompleteRequest;
import dev.extfarm.protocol.WorkerProtocol.FailureReport;
import dev.extfarm.protocol.WorkerProtocol.HeartbeatRequest;
import dev.extfarm.protocol.WorkerProtocol.StepTiming;
import dev.extfarm.protocol.WorkerProtocol.Target;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A builder worker without Docker: it speaks the real worker protocol over HTTP (JDK HttpClient and
 * the protocol module's records, as the real worker does) and "builds" by packing a real bundle
 * with {@link BundleWriter}. Completions are {@link ObjectNode}s so that a test can send what no
 * well-behaved worker would.
 */
public final class TestWorker {

    /** One claimed job, as the claim returned it. */
    public record Job(long id, long leaseToken, int attempt, String extension, String version, int pgMajor, String platform,
               String recipeRevision, JsonNode recipe, String sourceSha256, long leaseTtlSeconds, String builderImage) {
    }

    /** What the registry answered. */
    public record Reply(int status, String contentType, JsonNode body) {
        public String problemType() {
            return body == null ? null : body.path("type").asText(null);
        }
    }

    static final ObjectMapper JSON = Wire.mapper();

    final URI base;
    final String token;
    public final String id;
    public final String builderImage;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TestWorker(URI base, String token, String id) {
        this(base, token, id, "sha256:" + "b".repeat(64));
    }

    public TestWorker(URI base, String token, String id, String builderImage) {
        this.base = base;
        this.token = token;
        this.id = id;
        this.builderImage = builderImage;
    }

    public TestWorker withImage(String image) {
        return new TestWorker(base, token, id, image);
    }

    public TestWorker as(String workerId) {
        return new TestWorker(base, token, workerId, builderImage);
    }

    /** Claims for every farm target (15, 17, 18). */
    public List<Job> claim(int max) {
        return claim(max, List.of(15, 17, 18));
    }

    public List<Job> claim(int max, List<Integer> majors) {
        List<Target> targets = majors.stream().map(m -> new Target(m, Farm.PLATFORMS.get(m), builderImage)).toList();
        Reply r = post("/api/v1/jobs/claim", JSON.valueToTree(new ClaimRequest(id, targets, max)));
        if (r.status != 200) {
            throw new AssertionError("claim failed: " + r);
        }
        List<Job> jobs = new ArrayList<>();
        try {
            for (var j : JSON.treeToValue(r.body, ClaimResponse.class).jobs()) {
                jobs.add(new Job(j.id(), j.leaseToken(), j.attempt(), j.extension(), j.version(), j.pgMajor(), j.platform(),
                        j.recipeRevision(), JSON.readTree(j.recipe()), j.sourceSha256(), j.leaseTtlSeconds(), builderImage));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jobs;
    }

    public Reply heartbeat(Job job, String step) {
        return post("/api/v1/jobs/" + job.id() + "/heartbeat", JSON.valueToTree(new HeartbeatRequest(job.leaseToken(), step)));
    }

    public Reply log(Job job, String text) {
        return send(request("/api/v1/jobs/" + job.id() + "/log?lease_token=" + job.leaseToken())
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build());
    }

    public Reply upload(Job job, Packed bundle) {
        return send(request("/" + bundle.address())
                .header("Content-Type", "application/x-tar")
                .header("X-Extfarm-Job", String.valueOf(job.id()))
                .header("X-Extfarm-Lease-Token", String.valueOf(job.leaseToken()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bundle.bytes())).build());
    }

    /** {@code PUT /api/v1/jobs/{id}/artifacts/<name>}: an artifact of the running build (regression.diffs). */
    public Reply artifact(Job job, String name, byte[] bytes) {
        return send(request("/api/v1/jobs/" + job.id() + "/artifacts/" + name + "?lease_token=" + job.leaseToken())
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
    }

    public Reply complete(Job job, ObjectNode result) {
        result.put("lease_token", job.leaseToken());
        return post("/api/v1/jobs/" + job.id() + "/complete", result);
    }

    public ObjectNode result(String status) {
        return JSON.valueToTree(new CompleteRequest(null, id, status, builderImage, null, null,
                List.of(new StepTiming("fetch", 120), new StepTiming("build", 3400)), Instant.now().minusSeconds(5), Instant.now()));
    }

    /** A whole successful run: heartbeat, log, pack, fenced upload, complete. */
    public Reply succeed(Job job) {
        expect(heartbeat(job, "build"), 200);
        expect(log(job, "##[extfarm] job " + job.id() + " by " + id + "\nmake USE_PGXS=1\ncc -O2 -c " + job.extension() + ".c\n"), 200);
        Packed b = pack(job);
        Reply up = upload(job, b);
        if (up.status != 201 && up.status != 200) {
            throw new AssertionError("upload failed: " + up);
        }
        ObjectNode r = result("succeeded");
        r.set("bundle", JSON.valueToTree(new BundleRef(job.extension(), b.sha256())));
        return complete(job, r);
    }

    public Reply fail(Job job, String step, String cause, String responsibility, int exitCode, String message) {
        expect(log(job, "##[extfarm] step " + step + "\n" + message + "\n"), 200);
        ObjectNode r = result("failed");
        r.set("failure", JSON.valueToTree(new FailureReport(step, cause, responsibility, exitCode, message)));
        return complete(job, r);
    }

    public Reply farmFault(Job job, String step, String cause, String message) {
        ObjectNode r = result("farm-fault");
        r.set("failure", JSON.valueToTree(new FailureReport(step, cause, "farm", 0, message)));
        return complete(job, r);
    }

    /** A bundle packed from the job (the bytes depend on the job's inputs only). */
    public record Packed(String name, String sha256, byte[] bytes) {
        public String address() {
            return "extensions/" + name + "/sha-256+" + sha256 + "/bundle.tar";
        }
    }

    public Packed pack(Job job) {
        try {
            Path tree = Files.createTempDirectory("test-worker-tree");
            Path ext = Files.createDirectories(tree.resolve("share/extension"));
            String name = job.extension();
            Files.writeString(ext.resolve(name + ".control"), "comment = 'built by the test worker'\ndefault_version = '"
                    + job.version() + "'\nmodule_pathname = '$libdir/" + name + "'\nrelocatable = true\n");
            Files.writeString(ext.resolve(name + "--" + job.version() + ".sql"), "CREATE FUNCTION " + name.replace('-', '_')
                    + "_hello() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n");
            Path lib = Files.createDirectories(tree.resolve("lib"));
            Files.writeString(lib.resolve(name + ".so"), "ELF? no: " + job.recipeRevision() + " " + job.pgMajor());
            BundleManifest m = BundleManifest.builder().name(name).version(job.version()).pgMajor(job.pgMajor())
                    .platform(Platform.parse(job.platform())).defaultVersion(job.version()).extensions(List.of(name))
                    .libraries(List.of(name)).systemLibraries(List.of("libc.so.6")).license("PostgreSQL")
                    .build(new BundleManifest.BuildInputs(job.recipeRevision(), job.sourceSha256(), job.builderImage(), 1_700_000_000L))
                    .build();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            var packed = BundleWriter.pack(tree, m, 1_700_000_000L, out);
            return new Packed(name, packed.sha256(), out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (dev.extfarm.bundle.BundleRejectedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Reply expect(Reply r, int status) {
        if (r.status != status) {
            throw new AssertionError("expected HTTP " + status + " but got " + r);
        }
        return r;
    }

    public Reply post(String path, JsonNode body) {
        try {
            return send(request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    private Reply send(HttpRequest req) {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            String type = r.headers().firstValue("Content-Type").orElse("");
            JsonNode body = r.body().isEmpty() || !type.contains("json") ? null : JSON.readTree(r.body());
            return new Reply(r.statusCode(), type, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
