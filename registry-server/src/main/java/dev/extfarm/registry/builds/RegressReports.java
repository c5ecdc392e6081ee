package dev.extfarm.registry.builds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.Digests;
import dev.extfarm.protocol.WorkerProtocol;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.protocol.WorkerProtocol.RegressReport;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Upstream's regression suite in build reports (docs/queue.md): the report a worker completes the
 * job with, checked before it is stored (it comes from a recipe's sandbox through the worker: counts
 * bounded, names test names, reasons one line), and {@code regression.diffs}, uploaded under the
 * job's lease as bytes (at most {@link #MAX_DIFFS_BYTES}, any bytes) and served as text that
 * nothing interprets.
 */
@ApplicationScoped
public class RegressReports {

    public static final String DIFFS = "regression.diffs";
    /** The worker keeps at most 4 MiB (Installcheck.MAX_DIFFS_BYTES); the registry takes no more. */
    static final long MAX_DIFFS_BYTES = 4L << 20;
    static final int MAX_COUNT = 100_000;
    static final int MAX_NAMED = 200;
    static final int MAX_KNOWN = 100;
    static final int MAX_REASON = 300;
    /** The worker's name for a failing test whose name was not a test name. */
    static final String UNNAMED = "(not a test name)";

    @Inject
    EntityManager em;
    @Inject
    BlobStore blobs;
    @Inject
    LeaseFence fence;
    @Inject
    ObjectMapper json;

    /** What the report looks like in the build's JSON ({@code regress}), with the diffs' link when they are kept. */
    public record View(int run, int passed, int failed, int ignored, List<String> failedTests, Map<String, String> knownFailures,
                       List<String> staleKnownFailures, Diffs diffs) {
    }

    public record Diffs(String url, long size, boolean truncated) {
    }

    /** The report as stored, or a 400 {@code invalid-result} naming what is wrong. */
    String toJson(RegressReport r) {
        if (r == null) {
            return null;
        }
        int run = count(r.run(), "run");
        int passed = count(r.passed(), "passed");
        int failed = count(r.failed(), "failed");
        int ignored = count(r.ignored(), "ignored");
        if (passed + failed + ignored > run) {
            throw invalid("passed + failed + ignored (" + (passed + failed + ignored) + ") is more than run (" + run + ")");
        }
        List<String> failedTests = names(r.failedTests(), MAX_NAMED, "failed_tests", true);
        if (failedTests.size() > failed) {
            throw invalid("failed_tests names " + failedTests.size() + " tests but failed is " + failed);
        }
        Map<String, String> known = r.knownFailures() == null ? Map.of() : r.knownFailures();
        if (known.size() > MAX_KNOWN) {
            throw invalid("known_failures has more than " + MAX_KNOWN + " entries");
        }
        known.forEach((name, reason) -> {
            if (name == null || !Recipe.Regress.TEST_NAME.matcher(name).matches() || !failedTests.contains(name)) {
                throw invalid("known_failures names '" + name + "', which is not a failing test");
            }
            if (reason == null || reason.isBlank() || reason.length() > MAX_REASON || reason.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw invalid("the reason of known failure " + name + " must be one line of 1-" + MAX_REASON + " characters");
            }
        });
        List<String> stale = names(r.staleKnownFailures(), MAX_KNOWN, "stale_known_failures", false);
        long diffsBytes = r.diffsBytes() == null ? 0 : r.diffsBytes();
        if (diffsBytes < 0 || diffsBytes > MAX_DIFFS_BYTES) {
            throw invalid("diffs_bytes must be 0.." + MAX_DIFFS_BYTES);
        }
        try {
            return json.writeValueAsString(new RegressReport(run, passed, failed, ignored, failedTests, new TreeMap<>(known),
                    stale, diffsBytes, Boolean.TRUE.equals(r.diffsTruncated())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records the completion's report; diffs of an earlier attempt that this one did not send again are dropped. */
    void record(Build b, RegressReport r) {
        b.regress = toJson(r);
        if (b.regress == null || r.diffsBytes() == null || r.diffsBytes() == 0) {
            b.regressionDiffsBlob = null;
            b.regressionDiffsSize = null;
        }
    }

    private static int count(Integer n, String field) {
        if (n == null || n < 0 || n > MAX_COUNT) {
            throw invalid(field + " must be a count 0.." + MAX_COUNT);
        }
        return n;
    }

    private static List<String> names(List<String> names, int max, String field, boolean unnamedAllowed) {
        if (names == null) {
            return List.of();
        }
        if (names.size() > max) {
            throw invalid(field + " has more than " + max + " names");
        }
        for (String n : names) {
            if (n == null || !(Recipe.Regress.TEST_NAME.matcher(n).matches() || unnamedAllowed && n.equals(UNNAMED))) {
                throw invalid(field + " holds '" + n + "', which is not a test name");
            }
        }
        return List.copyOf(names);
    }

    private static ExtfarmException invalid(String what) {
        return ExtfarmException.invalid("invalid-result", "regress: " + what + " (docs/queue.md, the completion's regress)");
    }

    /** The report of a build for its JSON, or null. */
    View view(Build b) {
        if (b.regress == null) {
            return null;
        }
        try {
            RegressReport r = json.readValue(b.regress, RegressReport.class);
            Diffs diffs = b.regressionDiffsBlob == null ? null : new Diffs("/api/v1/builds/" + b.id + "/artifacts/" + DIFFS,
                    b.regressionDiffsSize == null ? 0 : b.regressionDiffsSize, Boolean.TRUE.equals(r.diffsTruncated()));
            return new View(r.run(), r.passed(), r.failed(), r.ignored() == null ? 0 : r.ignored(), r.failedTests(),
                    r.knownFailures(), r.staleKnownFailures(), diffs);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * {@code PUT /api/v1/jobs/{id}/artifacts/regression.diffs}: the bytes, fenced by the lease, kept
     * as a blob named by their sha-256; a second upload of the attempt replaces the first.
     */
    public long upload(long jobId, Long leaseToken, String name, InputStream body) throws IOException {
        if (!DIFFS.equals(name)) {
            throw ExtfarmException.notFound("unknown-artifact", "a build keeps one artifact, " + DIFFS + "; there is no '" + name + "'");
        }
        check(jobId, leaseToken);
        Path temp = Files.createTempFile("extfarm-diffs-" + jobId + "-", ".txt");
        try {
            MessageDigest sha = Digests.newSha256();
            long size = 0;
            try (OutputStream out = Files.newOutputStream(temp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = body.read(buf)) >= 0; ) {
                    size += n;
                    if (size > MAX_DIFFS_BYTES) {
                        throw new ExtfarmException(ExtfarmException.Kind.TOO_LARGE, "artifact-too-large", "Artifact too large",
                                DIFFS + " may hold at most " + MAX_DIFFS_BYTES + " bytes; send its first " + MAX_DIFFS_BYTES
                                        + " and say diffs_truncated in the completion");
                    }
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                }
            }
            String hex = Digests.hex(sha.digest());
            String key = "build-artifacts/" + jobId + "/sha-256+" + hex + "/" + DIFFS;
            try (InputStream in = Files.newInputStream(temp)) {
                blobs.put(BlobKey.of(key), in, hex);
            } catch (BlobDigestMismatchException e) {
                throw new IOException("the upload changed while it was stored", e);
            }
            attach(jobId, leaseToken, key, size);
            return size;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Transactional
    void check(long jobId, Long leaseToken) {
        fence.check(jobId, leaseToken);
    }

    @Transactional
    void attach(long jobId, Long leaseToken, String key, long size) {
        Build b = fence.check(jobId, leaseToken);
        b.regressionDiffsBlob = key;
        b.regressionDiffsSize = size;
    }

    /** The diffs' blob and size, when this build kept them. */
    Optional<Build> withDiffs(Build b) {
        return b.regressionDiffsBlob == null ? Optional.empty() : Optional.of(b);
    }

    /** Writes bytes {@code [from, to)} of the build's diffs. */
    void copy(Build b, long from, long to, OutputStream out) throws IOException {
        try (InputStream in = blobs.open(BlobKey.of(b.regressionDiffsBlob), from)) {
            long left = to - from;
            byte[] buf = new byte[64 * 1024];
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }
}
