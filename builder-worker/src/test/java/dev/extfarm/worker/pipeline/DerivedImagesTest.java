package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a recipe's declared packages are already in the build image is asked of the image once
 * per worker (its installed packages, by image id), not once per package set: each new recipe cost
 * a container start (about 1 s on the loaded machine) before. Real images, through a wrapper that
 * writes down every container that runs dpkg-query.
 */
class DerivedImagesTest {

    static BuildImages images;

    @TempDir
    Path dir;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(RealRecipesBuildTest.TARGET);
    }

    @Test
    void threePackageSetsOnOneImageAskDpkgAtMostOnce() throws Exception {
        Path docker = dir.resolve("docker");
        Files.writeString(docker, """
                #!/bin/bash
                case " $* " in *" dpkg-query "*) echo "$*" >> "$(dirname "$0")/dpkg" ;; esac
                exec docker "$@"
                """);
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwx------"));
        DerivedImages derived = new DerivedImages(new DockerCli(docker.toString()));
        List<String> log = new ArrayList<>();
        BuildLog buildLog = new BuildLog(log::add);
        // sets no recipe declares, in the build image (build-essential and PGXS are there)
        assertThat(derived.ensure(images.buildImage(), List.of("make", "patch"), buildLog)).isEqualTo(images.buildImage());
        assertThat(derived.ensure(images.buildImage(), List.of("gcc", "tar"), buildLog)).isEqualTo(images.buildImage());
        assertThat(derived.ensure(images.buildImage(), List.of("coreutils", "make", "sed"), buildLog)).isEqualTo(images.buildImage());
        List<String> asked = Files.exists(dir.resolve("dpkg")) ? Files.readAllLines(dir.resolve("dpkg")) : List.of();
        assertThat(asked).as("containers that ran dpkg-query").hasSizeLessThanOrEqualTo(1);
        assertThat(log).contains("##[extfarm] make patch already in " + images.buildImage(),
                "##[extfarm] gcc tar already in " + images.buildImage());
    }
}
