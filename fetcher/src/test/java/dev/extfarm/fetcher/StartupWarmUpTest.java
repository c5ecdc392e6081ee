package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.InvalidManifestException;
import org.junit.jupiter.api.Test;

/**
 * Issue 24 (the cold one-shot install): the start-up warm-up thread only pays for commands that
 * fetch, ends on its own, and really reaches the manifest's deserializer (a manifest refused before
 * Jackson builds it would leave that work on the first bundle's critical path again).
 */
class StartupWarmUpTest {

    @Test
    void minimalManifestGetsPastJsonAndFormatChecksToTheRecordValidation() {
        InvalidManifestException e = catchThrowableOfType(InvalidManifestException.class,
                () -> BundleManifest.parse(StartupWarmUp.MINIMAL_MANIFEST));
        assertThat(e).as("the minimal manifest must be refused (it is not a bundle)").isNotNull();
        // refused by the record's own validation, i.e. after Jackson built the deserializer and the record
        assertThat(e.field()).isNotIn("manifest.json", "meta_format");
    }

    @Test
    void onlyCommandsThatFetchStartIt() {
        assertThat(StartupWarmUp.pays(new String[] {"install", "vector"})).isTrue();
        assertThat(StartupWarmUp.pays(new String[] {"prepare"})).isTrue();
        assertThat(StartupWarmUp.pays(new String[] {"serve"})).isTrue();
        assertThat(StartupWarmUp.pays(new String[] {"status"})).isFalse();
        assertThat(StartupWarmUp.pays(new String[] {"--help"})).isFalse();
        assertThat(StartupWarmUp.pays(new String[0])).isFalse();
    }

    @Test
    void threadEndsOnItsOwnAndThrowsNothing() throws InterruptedException {
        Thread t = StartupWarmUp.start();
        assertThat(t.isDaemon()).isTrue();
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
    }
}
