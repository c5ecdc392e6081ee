package dev.extfarm.worker.pipeline;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.worker.pipeline.BuildFailure.Responsibility;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The farm-built bundles a bundle requires, unpacked for its smoke test (installed there before
 * it, dependencies first). A dependency the farm builds but has not published for this target
 * fails the build as {@code dependency-unavailable} (the farm's; the registry queues the build
 * again once it is published), never as a failed smoke test; a name nobody here builds is the
 * recipe's ({@code dependency-unknown}). Each bundle is read like any untrusted one: the strict
 * reader, its sha-256 checked against what the registry named.
 */
final class SmokeTestDependencies {

    private SmokeTestDependencies() {
    }

    /** Unpacks each dependency into {@code dir/<name>}; returns the names in install order. */
    static List<String> fetch(BundleDependencies dependencies, BundleManifest m, String platform, Path dir, BuildLog log)
            throws IOException, InterruptedException {
        if (m.requires().isEmpty()) {
            return List.of();
        }
        BundleDependencies.Resolution r = dependencies.resolve(m.requires());
        if (!r.unknown().isEmpty()) {
            throw new BuildFailure(Step.SMOKE_TEST, "dependency-unknown", Responsibility.RECIPE, 0, "the bundle requires "
                    + String.join(", ", r.unknown()) + ", which is neither PostgreSQL " + m.pgMajor()
                    + "'s own extension nor one this farm builds; add its recipe, or fix the control file's requires").toException();
        }
        if (!r.unavailable().isEmpty()) {
            throw new BuildFailure(Step.SMOKE_TEST, BuildFailure.DEPENDENCY_UNAVAILABLE, Responsibility.FARM, 0, "the bundle requires "
                    + String.join(", ", r.unavailable()) + ", which this farm builds but has not published for PostgreSQL "
                    + m.pgMajor() + " on " + platform + " yet; this build is queued again once it is", r.unavailable()).toException();
        }
        List<String> order = new ArrayList<>();
        for (BundleDependencies.Dependency d : r.install()) {
            Path tar = dir.resolve(d.name() + ".tar");
            Files.createDirectories(dir);
            dependencies.download(d, tar);
            try (InputStream in = Files.newInputStream(tar)) {
                BundleReader.withDefaults().unpack(in, dir.resolve(d.name()), d.sha256());
            } catch (BundleRejectedException e) {
                throw new BuildFailure(Step.SMOKE_TEST, "dependency-rejected", Responsibility.FARM, 0, "the bundle of dependency "
                        + d.name() + " " + d.version() + " (" + d.address() + ") is refused: " + e.getMessage()).toException();
            } finally {
                Files.deleteIfExists(tar);
            }
            log.accept("##[extfarm] dependency " + d.name() + " " + d.version() + " (" + d.address() + ") installed for the smoke test");
            order.add(d.name());
        }
        if (!r.postgresql().isEmpty()) {
            log.accept("##[extfarm] PostgreSQL's own: " + String.join(", ", r.postgresql()));
        }
        return order;
    }
}
