package dev.extfarm.worker.pipeline;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Finds the images of a target (e.g. {@code bookworm-pg15}) in the local engine by the labels
 * infra/builder-images/build-images.sh puts on them.
 */
public final class ImageCatalog {

    /** Where DerivedImages commits its images. */
    static final String DERIVED_REPOSITORY = "extfarm/derived";

    private final DockerCli docker;

    public ImageCatalog(DockerCli docker) {
        this.docker = docker;
    }

    public BuildImages resolve(String target) throws IOException, InterruptedException {
        String out = docker.output(docker.docker(), "images", "--filter", "label=dev.extfarm.kind=build",
                "--filter", "label=dev.extfarm.target=" + target, "--format", "{{.Repository}}:{{.Tag}}");
        // a derived image (a recipe's packages added, DerivedImages) inherits its base's labels: never the target's own
        List<String> tags = Arrays.stream(out.split("\n")).map(String::strip)
                .filter(s -> !s.isEmpty() && !s.endsWith(":<none>") && !s.startsWith(DERIVED_REPOSITORY + ":")).toList();
        if (tags.isEmpty()) {
            throw new IOException("no builder image for target " + target
                    + " in the local Docker engine; build it with infra/builder-images/build-images.sh " + target);
        }
        String build = tags.get(0); // docker lists the newest first
        String runtime = docker.imageLabel(build, "dev.extfarm.runtime-image");
        if (runtime.isEmpty() || !docker.imageExists(runtime)) {
            throw new IOException("the runtime image of " + build + " (" + runtime + ") is missing; rebuild " + target);
        }
        return new BuildImages(target, Integer.parseInt(docker.imageLabel(build, "dev.extfarm.pg-major")), build, runtime,
                docker.imageLabel(build, "dev.extfarm.packages-digest"), docker.imageLabel(build, "dev.extfarm.platform"));
    }
}
