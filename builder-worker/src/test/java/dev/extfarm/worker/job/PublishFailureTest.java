package dev.extfarm.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.worker.pipeline.BuildFailure;
import dev.extfarm.worker.pipeline.Step;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A registry that refuses the bundle a build made reports the recipe's failure, with the
 * registry's reason; only a registry that could not take it (unreachable, 5xx) is the farm's
 * (issue 21, item 2: a name conflict was reported as a farm fault and retried).
 */
class PublishFailureTest {

    @Test
    void aRefusedBundleIsTheRecipesFailureAndAnUnreachableRegistryTheFarms() {
        BuildFailure owned = JobRunner.publishFailure(new RegistryClient.UploadRefusedException(422, "extension-name-owned",
                "the bundle 'shadow' carries extension 'pubext' ..."));
        assertThat(owned.step()).isEqualTo(Step.PUBLISH);
        assertThat(owned.cause()).isEqualTo("name-conflict");
        assertThat(owned.responsibility()).isEqualTo(BuildFailure.Responsibility.RECIPE);
        assertThat(owned.isFarmFault()).isFalse();
        assertThat(owned.message()).contains("extension-name-owned").contains("carries extension 'pubext'");

        assertThat(JobRunner.publishFailure(new RegistryClient.UploadRefusedException(422, "extension-name-reserved", "x")).cause())
                .isEqualTo("name-conflict");
        assertThat(JobRunner.publishFailure(new RegistryClient.UploadRefusedException(422, "bundle-rejected", "x")).cause())
                .isEqualTo("bundle-rejected");
        assertThat(JobRunner.publishFailure(new RegistryClient.UploadRefusedException(413, "bundle-too-large", "x")).cause())
                .isEqualTo("bundle-too-large");

        BuildFailure down = JobRunner.publishFailure(new IOException("connection refused"));
        assertThat(down.cause()).isEqualTo("upload-failed");
        assertThat(down.isFarmFault()).isTrue();
    }
}
