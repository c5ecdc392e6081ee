package dev.extfarm.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.worker.pipeline.BuildImages;
import dev.extfarm.worker.pipeline.DockerCli;
import dev.extfarm.worker.pipeline.ImageCatalog;
import dev.extfarm.worker.pipeline.TestImagesAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A worker configured for a target whose images are not there yet serves the targets that are,
 * and the late one as soon as its images appear (what `extfarm up` relies on to start the first
 * target's builds while the other targets' images are built). Real Docker: the late target's
 * images are the bookworm/15 ones under another target label, made while the worker runs.
 */
class ServedTargetsTest {

    @Test
    void aTargetWhoseImagesAppearLaterIsServedFromThenOn() throws Exception {
        TestImagesAccess.await("bookworm-pg15");
        DockerCli docker = new DockerCli();
        String late = "late-" + UUID.randomUUID().toString().substring(0, 8) + "-pg15";
        List<String> log = new ArrayList<>();
        ServedTargets served = new ServedTargets(List.of("bookworm-pg15", late), new ImageCatalog(docker)::resolve, Duration.ZERO,
                log::add);

        assertThat(served.current()).extracting(BuildImages::target).containsExactly("bookworm-pg15");
        assertThat(served.current()).extracting(BuildImages::target).containsExactly("bookworm-pg15");
        assertThat(log).filteredOn(l -> l.startsWith("does not serve " + late + " yet: no builder image for target " + late)).hasSize(1);

        BuildImages bookworm = new ImageCatalog(docker).resolve("bookworm-pg15");
        String tag = "extfarm-test/late-target:" + late;
        List<String> out = new ArrayList<>();
        try {
            String container = "extfarm-test-" + late;
            assertThat(docker.exec(List.of("docker", "create", "--name", container, bookworm.buildImage(), "true"), out::add))
                    .as(String.join("\n", out)).isZero();
            try {
                assertThat(docker.exec(List.of("docker", "commit", "--change", "LABEL dev.extfarm.target=" + late, container, tag),
                        out::add)).as(String.join("\n", out)).isZero();
            } finally {
                docker.exec(List.of("docker", "rm", "-f", container), null);
            }

            List<BuildImages> now = List.copyOf(served.current());
            assertThat(now).extracting(BuildImages::target).containsExactly("bookworm-pg15", late);
            assertThat(now.get(1).buildImage()).isEqualTo(tag);
            assertThat(now.get(1).pgMajor()).isEqualTo(15);
            assertThat(log).contains("serves " + late + " (its images are there now)");
        } finally {
            docker.exec(List.of("docker", "rmi", "-f", tag), null);
        }
    }
}
