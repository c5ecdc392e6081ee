package dev.extfarm.worker.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.worker.build.BuildLog;
import dev.extfarm.worker.build.BuildPipeline;
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
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private RebuildVerdict() {
    }

    /** Adds {@code reproducibility} to the completion {@code result}; the log says the verdict and each difference. */
    static void compare(RegistryClient registry, ClaimedJob job, Path rebuilt, Path work, BuildLog log, ObjectNode result)
            throws IOException, InterruptedException {
        ClaimedJob.Verify verify = job.verify();
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
        result.put("status", "succeeded");
        result.set("reproducibility", JSON.valueToTree(new Report(r)));
    }

    private static String side(String label, BundleComparison.Side s) {
        return s == null ? label + " (missing)" : label + " " + s.type() + (s.size() == null ? "" : " " + s.size() + " bytes")
                + (s.sha256() == null ? "" : " " + s.sha256().substring(0, 12)) + (s.target() == null ? "" : " -> " + s.target());
    }

    /** The protocol's document (docs/queue.md#reproducibility), snake_case. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Report(String publishedSha256, String rebuiltSha256, boolean reproducible, int differencesTotal,
                  java.util.List<Difference> differences) {
        Report(BundleComparison.Result r) {
            this(r.publishedSha256(), r.rebuiltSha256(), r.reproducible(), r.differencesTotal(),
                    r.differences().stream().map(Difference::new).toList());
        }
    }

    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Difference(String path, String cause, BundleComparison.Side published, BundleComparison.Side rebuilt,
                      java.util.List<String> elfSections) {
        Difference(BundleComparison.Difference d) {
            this(printable(d.path()), d.cause(), printable(d.published()), printable(d.rebuilt()), d.elfSections());
        }

        /** Names as the report takes them: printable ASCII (anything else as '?'), at most 1024 characters. */
        static String printable(String s) {
            String t = s.replaceAll("[^\\x20-\\x7e]", "?");
            return t.length() > 1024 ? t.substring(0, 1024) : t;
        }

        static BundleComparison.Side printable(BundleComparison.Side s) {
            return s == null || s.target() == null ? s : new BundleComparison.Side(s.type(), s.size(), s.sha256(), printable(s.target()));
        }
    }
}
