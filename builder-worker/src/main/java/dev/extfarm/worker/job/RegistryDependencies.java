package dev.extfarm.worker.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.worker.build.BundleDependencies;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
        JsonNode r = registry.dependencies(job, requires);
        List<Dependency> install = new ArrayList<>();
        for (JsonNode b : r.path("bundles")) {
            install.add(new Dependency(b.path("name").asText(), b.path("version").asText(), b.path("sha256").asText(),
                    b.path("address").asText()));
        }
        return new Resolution(install, texts(r.path("postgresql")), texts(r.path("unavailable")), texts(r.path("unknown")));
    }

    @Override
    public void download(Dependency dependency, Path file) throws IOException, InterruptedException {
        registry.download(dependency.address(), file);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
