package dev.extfarm.worker.job;

import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.Difference;
import dev.extfarm.protocol.WorkerProtocol.ReproducibilityReport;
import dev.extfarm.protocol.WorkerProtocol.Side;
import dev.extfarm.protocol.WorkerProtocol.Verify;
import dev.extfarm.worker.pipeline.BuildLog;
import dev.extfarm.worker.pipeline.BuildPipeline;
import dev.extfarm.worker.reproducibility.BundleComparison;
import dev.extfarm.worker.reproducibility.DifferenceClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The end of a reproducibility job: the rebuilt bundle is compared here, in the worker, with the
 * published one (downloaded and read with the strict reader, its sha-256 checked), and only the
 * verdict goes to the registry. The rebuilt bytes are never uploaded: nothing can publish them by
 * mistake, the registry stores nothing it would have to drop, and the comparison (ELF parsing of
 * build output included) runs where build output is already handled as hostile.
 */
final class RebuildVerdict {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private RebuildVerdict() {
    }

    /** The verdict for the completion's {@code reproducibility}; the log says the verdict and each difference. */
    static ReproducibilityReport compare(RegistryClient registry, ClaimedJob job, Path rebuilt, Path work, BuildLog log)
            throws IOException, InterruptedException {
        Verify verify = job.verify();
        if (!SHA256.matcher(String.valueOf(verify.sha256())).matches()
                || !verify.address().equals("extensions/" + job.extension() + "/sha-256+" + verify.sha256() + "/bundle.tar")) {
            throw new IOException("the registry named no valid published bundle to compare with: " + verify);
        }
        Path published = work.resolve("published.tar");
        registry.download(verify.address(), published);
        BundleComparison.Result r;
        try {
            r = new BundleComparison(new DifferenceClassifier(BuildPipeline.SOURCE_DIR, BuildPipeline.REBUILD_SOURCE_DIR))
                    .compare(published, verify.sha256(), rebuilt, work.resolve("compare"));
        } catch (BundleRejectedException e) {
            throw new IOException("a bundle did not pass the strict reader: " + e.getMessage(), e);
        }
        if (r.reproducible()) {
            log.accept("##[extfarm] reproducible: the rebuild in " + BuildPipeline.REBUILD_SOURCE_DIR + " made bundle "
                    + r.rebuiltSha256() + " again (build " + verify.buildId() + ")");
        } else {
            log.accept("##[extfarm] not reproducible: bundle " + r.rebuiltSha256() + " differs from the published "
                    + r.publishedSha256() + " (build " + verify.buildId() + ") in " + r.differencesTotal() + " entries");
            for (BundleComparison.Difference d : r.differences()) {
                log.accept("##[extfarm]   " + d.path() + ": " + d.cause() + side(" published", d.published()) + side(" rebuilt", d.rebuilt())
                        + (d.elfSections() == null ? "" : " sections " + String.join(" ", d.elfSections())));
            }
        }
        return report(r);
    }

    /** The protocol's document (docs/queue.md#reproducibility): names as the report takes them. */
    static ReproducibilityReport report(BundleComparison.Result r) {
        return new ReproducibilityReport(r.publishedSha256(), r.rebuiltSha256(), r.reproducible(), r.differencesTotal(),
                r.differences().stream().map(RebuildVerdict::difference).toList());
    }

    private static String side(String label, BundleComparison.Side s) {
        return s == null ? label + " (missing)" : label + " " + s.type() + (s.size() == null ? "" : " " + s.size() + " bytes")
                + (s.sha256() == null ? "" : " " + s.sha256().substring(0, 12)) + (s.target() == null ? "" : " -> " + s.target());
    }

    private static Difference difference(BundleComparison.Difference d) {
        return new Difference(printable(d.path()), d.cause(), side(d.published()), side(d.rebuilt()), d.elfSections());
    }

    private static Side side(BundleComparison.Side s) {
        return s == null ? null : new Side(s.type(), s.size(), s.sha256(), s.target() == null ? null : printable(s.target()));
    }

    /** Names as the report takes them: printable ASCII (anything else as '?'), at most 1024 characters. */
    static String printable(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 1024 ? t.substring(0, 1024) : t;
    }
}
