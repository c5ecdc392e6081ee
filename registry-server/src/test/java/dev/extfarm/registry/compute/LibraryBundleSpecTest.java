package dev.extfarm.registry.compute;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A library bundle (issue 22 item 7: a preload-only module or a logical decoding output plugin,
 * no control file) is accepted, and the compute spec lists it by its libraries, the index
 * fetchers use for LOAD and the preload settings, without a control link.
 */
@QuarkusTest
class LibraryBundleSpecTest {

    @Test
    void aLibraryBundleIsServedByItsLibrariesWithoutAControlLink() {
        String name = Bundles.uniqueName("decoder");
        String worker = Api.token("worker", null);
        Api.upload(worker, Bundles.custom(name).withoutControls().bundle(), 201);
        String compute = Api.token("compute", Api.tenant("libs"));

        Map<String, Object> entry = ComputeSpecVersionTest.entry(compute, name, 17);
        assertThat(entry.get("extensions")).isEqualTo(List.of());
        assertThat(entry.get("libraries")).isEqualTo(List.of(name));
        assertThat(entry.get("control_link")).isNull();
        assertThat(entry.get("control")).isNull();
        assertThat((String) entry.get("link")).endsWith("/bundle.tar");
    }
}
