package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A target's build image is the one build-images.sh made, never a derived image (a recipe's
 * packages added, DerivedImages) that inherited its labels, however new: a build of one recipe must
 * not run on another recipe's packages, nor name their image's digest as its builder image.
 */
class ImageCatalogTest {

    @Test
    void aNewerDerivedImageWithTheSameLabelsIsNotTheTargetsBuildImage() throws Exception {
        BuildImages images = TestImages.resolve("bookworm-pg15");
        DockerCli docker = new DockerCli();
        String id = UUID.randomUUID().toString().substring(0, 8);
        String container = "extfarm-test-derived-" + id;
        String derived = ImageCatalog.DERIVED_REPOSITORY + ":test-" + id;
        List<String> out = new ArrayList<>();
        try {
            assertThat(docker.exec(List.of("docker", "create", "--name", container, images.buildImage(), "true"), out::add)).isZero();
            assertThat(docker.exec(List.of("docker", "commit", container, derived), out::add)).as(String.join("\n", out)).isZero();
            assertThat(docker.imageLabel(derived, "dev.extfarm.target")).isEqualTo("bookworm-pg15");

            BuildImages again = new ImageCatalog(docker).resolve("bookworm-pg15");
            assertThat(again.buildImage()).isEqualTo(images.buildImage()).doesNotStartWith(ImageCatalog.DERIVED_REPOSITORY + ":");
        } finally {
            docker.exec(List.of("docker", "rm", "-f", container), null);
            docker.exec(List.of("docker", "rmi", "-f", derived), null);
        }
    }
}
