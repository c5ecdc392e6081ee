package dev.extfarm.worker.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The farm's bundles a build's bundle requires, for its smoke test: what the registry resolves
 * the control files' {@code requires} to for the job's major and platform, and their bytes.
 */
public interface BundleDependencies {

    /** A bundle to install before the job's own: {@code address} is its path on the registry. */
    record Dependency(String name, String version, String sha256, String address) {
    }

    /**
     * {@code install}: dependencies first; {@code postgresql}: the runtime image has them;
     * {@code unavailable}: extensions the farm builds, not yet for this target; {@code unknown}:
     * names nobody here builds (or that the build may not read).
     */
    record Resolution(List<Dependency> install, List<String> postgresql, List<String> unavailable, List<String> unknown) {
    }

    Resolution resolve(List<String> requires) throws IOException, InterruptedException;

    /** Writes the dependency's bundle to {@code file} (the caller verifies it). */
    void download(Dependency dependency, Path file) throws IOException, InterruptedException;

    /**
     * No farm to ask (a build outside the queue): every requirement is left to the runtime image,
     * as {@code CREATE EXTENSION … CASCADE} finds it.
     */
    BundleDependencies NONE = new BundleDependencies() {
        @Override
        public Resolution resolve(List<String> requires) {
            return new Resolution(List.of(), requires, List.of(), List.of());
        }

        @Override
        public void download(Dependency dependency, Path file) {
            throw new UnsupportedOperationException("no registry to download " + dependency.address() + " from");
        }
    };
}
