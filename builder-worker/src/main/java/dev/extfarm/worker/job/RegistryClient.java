package dev.extfarm.worker.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.protocol.Problem;
import dev.extfarm.protocol.WorkerProtocol.ClaimRequest;
import dev.extfarm.protocol.WorkerProtocol.ClaimResponse;
import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.CompleteRequest;
import dev.extfarm.protocol.WorkerProtocol.DependenciesResponse;
import dev.extfarm.protocol.WorkerProtocol.HeartbeatRequest;
import dev.extfarm.protocol.WorkerProtocol.HeartbeatResponse;
import dev.extfarm.protocol.WorkerProtocol.Target;
import dev.extfarm.protocol.Wire;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The worker side of the registry's worker protocol (docs/api.md): claim, heartbeat, log,
 * upload, complete, with the protocol's records ({@code dev.extfarm.protocol.WorkerProtocol}).
 * Every call after the claim carries the job's fencing token; a 409 means the lease was lost to
 * another worker and this one must stop.
 */
public final class RegistryClient {

    /** The registry said this worker's lease is no longer valid. */
    public static final class LeaseLostException extends IOException {
        public LeaseLostException(String message) {
            super(message);
        }
    }

    /**
     * The registry refused the bundle itself (a 4xx problem other than a lost lease): its problem
     * type ({@code extension-name-owned}, {@code bundle-rejected}, ...) and detail, for the build report.
     */
    public static final class UploadRefusedException extends IOException {
        private final int status;
        private final String problem;
        private final String detail;

        public UploadRefusedException(int status, String problem, String detail) {
            super("upload refused with HTTP " + status + " " + problem + ": " + detail);
            this.status = status;
            this.problem = problem;
            this.detail = detail;
        }

        public int status() {
            return status;
        }

        /** The problem type without its {@code /problems/} prefix. */
        public String problem() {
            return problem;
        }

        public String detail() {
            return detail;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final ObjectMapper json = Wire.mapper();

    public RegistryClient(URI base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public List<ClaimedJob> claim(String workerId, List<Target> targets, int max) throws IOException, InterruptedException {
        HttpResponse<String> r = send(post("/api/v1/jobs/claim", new ClaimRequest(workerId, targets, max)));
        expect(r, 200, "claim");
        return json.readValue(r.body(), ClaimResponse.class).jobs();
    }

    /** Extends the lease; returns true when the job was cancelled. */
    public boolean heartbeat(ClaimedJob job, String step) throws IOException, InterruptedException {
        HttpResponse<String> r = send(post("/api/v1/jobs/" + job.id() + "/heartbeat", new HeartbeatRequest(job.leaseToken(), step)));
        expect(r, 200, "heartbeat");
        return json.readValue(r.body(), HeartbeatResponse.class).cancelled();
    }

    public void appendLog(ClaimedJob job, String chunk) throws IOException, InterruptedException {
        HttpRequest req = request("/api/v1/jobs/" + job.id() + "/log?lease_token=" + job.leaseToken())
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(chunk, StandardCharsets.UTF_8)).build();
        expect(send(req), 200, "log");
    }

    /** Streams the bundle file to its content address, fenced by the job's lease. */
    public void upload(ClaimedJob job, BundleAddress address, Path file) throws IOException, InterruptedException {
        HttpRequest req = request("/" + address.path())
                .header("Content-Type", "application/x-tar")
                .header("X-Extfarm-Job", String.valueOf(job.id()))
                .header("X-Extfarm-Lease-Token", String.valueOf(job.leaseToken()))
                .timeout(Duration.ofMinutes(30))
                .PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
        HttpResponse<String> r = send(req);
        if (r.statusCode() == 422 || r.statusCode() == 413) {
            throw refused(r);
        }
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            expect(r, 201, "upload");
        }
    }

    /** {@code PUT /api/v1/jobs/{id}/artifacts/<name>}: an artifact of the build (regression.diffs), fenced by the lease. */
    public void uploadArtifact(ClaimedJob job, String name, Path file) throws IOException, InterruptedException {
        HttpRequest req = request("/api/v1/jobs/" + job.id() + "/artifacts/" + name + "?lease_token=" + job.leaseToken())
                .header("Content-Type", "text/plain")
                .timeout(Duration.ofMinutes(5))
                .PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
        expect(send(req), 200, "artifact upload");
    }

    /** {@code GET /api/v1/jobs/{id}/dependencies}: the farm's bundles the job's bundle requires (docs/queue.md). */
    public DependenciesResponse dependencies(ClaimedJob job, List<String> requires) throws IOException, InterruptedException {
        String query = "lease_token=" + job.leaseToken() + "&requires="
                + URLEncoder.encode(String.join(",", requires), StandardCharsets.UTF_8);
        HttpResponse<String> r = send(request("/api/v1/jobs/" + job.id() + "/dependencies?" + query).GET().build());
        expect(r, 200, "dependencies");
        return json.readValue(r.body(), DependenciesResponse.class);
    }

    /** Downloads a bundle of this registry ({@code extensions/<name>/sha-256+<hex>/bundle.tar}) to a file. */
    public void download(String address, Path file) throws IOException, InterruptedException {
        HttpResponse<Path> r = http.send(request("/" + address).timeout(Duration.ofMinutes(10)).GET().build(),
                HttpResponse.BodyHandlers.ofFile(file));
        if (r.statusCode() != 200) {
            throw new IOException("GET /" + address + " answered HTTP " + r.statusCode());
        }
    }

    public void complete(ClaimedJob job, CompleteRequest result) throws IOException, InterruptedException {
        expect(send(post("/api/v1/jobs/" + job.id() + "/complete", result.withLeaseToken(job.leaseToken()))), 200, "complete");
    }

    private HttpRequest post(String path, Object body) throws IOException {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest req) throws IOException, InterruptedException {
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private UploadRefusedException refused(HttpResponse<String> r) {
        // a body that is not a problem document (a proxy's page): its raw text is the detail
        Optional<Problem> problem = Problem.read(r.body());
        String type = problem.map(Problem::code).filter(code -> !code.isEmpty()).orElse("unknown");
        String detail = problem.map(Problem::detail).orElse(r.body());
        return new UploadRefusedException(r.statusCode(), type, detail);
    }

    private static void expect(HttpResponse<String> r, int status, String what) throws IOException {
        if (r.statusCode() == 409) {
            throw new LeaseLostException(what + " refused: " + r.body());
        }
        if (r.statusCode() != status) {
            throw new IOException(what + " failed with HTTP " + r.statusCode() + ": " + r.body());
        }
    }
}
