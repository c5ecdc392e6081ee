package dev.extfarm.worker.job;

import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.DependenciesResponse;
import dev.extfarm.worker.pipeline.BundleDependencies;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A job's dependencies as its registry resolves them, fenced by the job's lease. */
final class RegistryDependencies implements BundleDependencies {

    private final RegistryClient registry;
    private final ClaimedJob job;

    RegistryDependencies(RegistryClient registry, ClaimedJob job) {
        this.registry = registry;
        this.job = job;
    }

    @Override
    public Resolution resolve(List<String> requires) throws IOException, InterruptedException {
        DependenciesResponse r = registry.dependencies(job, requires);
        List<Dependency> install = orEmpty(r.bundles()).stream()
                .map(b -> new Dependency(b.name(), b.version(), b.sha256(), b.address())).toList();
        return new Resolution(install, orEmpty(r.postgresql()), orEmpty(r.unavailable()), orEmpty(r.unknown()));
    }

    @Override
    public void download(Dependency dependency, Path file) throws IOException, InterruptedException {
        registry.download(dependency.address(), file);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
