package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 23: manifest.json's {@code compatibility} floors: written in a fixed order, optional, checked field by field. */
class CompatibilityFloorsTest {

    private static final String MINIMAL = """
            {"meta_format": 1, "name": "semver", "version": "0.40.0", "pg_major": 15,
             "platform": {"os": "linux", "distro": "debian-12", "arch": "amd64", "libc": "glibc"},
             "extensions": ["semver"], "license": "PostgreSQL"}
            """;

    private static BundleManifest with(String compatibility) {
        return BundleManifest.parse(MINIMAL.replace("\"license\"", "\"compatibility\": " + compatibility + ", \"license\""));
    }

    @Test
    void roundTripsDeterministicallyAndSorted() {
        BundleManifest m = BundleManifest.parse(MINIMAL).withCompatibility(
                new Compatibility("15.20", "GLIBC_2.34", List.of("palloc", "heap_datum_check", "palloc")));
        String json = new String(m.validate().toJson(), StandardCharsets.UTF_8);
        assertThat(json).contains("  \"system_libraries\" : [ ],\n  \"compatibility\" : {\n    \"built_against\" : \"15.20\",\n"
                + "    \"glibc\" : \"GLIBC_2.34\",\n    \"server_symbols\" : [ \"heap_datum_check\", \"palloc\" ]\n  },\n  \"license\"");
        BundleManifest back = BundleManifest.parse(json);
        assertThat(back.compatibility()).isEqualTo(m.compatibility());
        assertThat(back.toJson()).isEqualTo(m.toJson());
    }

    @Test
    void aManifestWithoutFloorsIsReadAndWrittenAsBefore() {
        BundleManifest m = BundleManifest.parse(MINIMAL);
        assertThat(m.compatibility()).isNull();
        assertThat(new String(m.toJson(), StandardCharsets.UTF_8)).doesNotContain("compatibility");
        assertThat(with("{\"built_against\": \"15.20\"}").compatibility().serverSymbols()).isEmpty();
    }

    @Test
    void refusesBadFloorsNamingTheField() {
        assertThatThrownBy(() -> with("{\"built_against\": \"17.2\"}")).hasMessageStartingWith("compatibility.built_against:")
                .hasMessageContaining("PostgreSQL 15");
        assertThatThrownBy(() -> with("{\"built_against\": \"15.20; rm\"}")).hasMessageStartingWith("compatibility.built_against:");
        assertThatThrownBy(() -> with("{}")).hasMessageStartingWith("compatibility.built_against:");
        assertThatThrownBy(() -> with("{\"built_against\": \"15.2\", \"glibc\": \"GLIBC_2.x\"}"))
                .hasMessageStartingWith("compatibility.glibc:");
        assertThatThrownBy(() -> with("{\"built_against\": \"15.2\", \"server_symbols\": [\"palloc\\n(injected)\"]}"))
                .hasMessageStartingWith("compatibility.server_symbols:");
        assertThat(with("{\"built_against\": \"15beta1\"}").compatibility().builtAgainst()).isEqualTo("15beta1");
    }

    @Test
    void ordersGlibcVersionsNumerically() {
        assertThat(Compatibility.newestGlibc(List.of("GLIBC_2.4", "GCC_3.0", "GLIBC_2.34", "GLIBC_2.3.4", "GLIBC_2.14")))
                .contains("GLIBC_2.34");
        assertThat(Compatibility.newestGlibc(List.of("GCC_3.0"))).isEmpty();
        assertThat(Compatibility.GLIBC_ORDER.compare("GLIBC_2.2.5", "GLIBC_2.3")).isNegative();
    }
}
