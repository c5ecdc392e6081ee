package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BundleManifestTest {

    private static final String MINIMAL = """
            {"meta_format": 1, "name": "vector", "version": "0.8.0", "pg_major": 17,
             "platform": {"os": "linux", "distro": "debian-13", "arch": "amd64", "libc": "glibc"},
             "extensions": ["vector"], "license": "PostgreSQL"}
            """;

    @Test
    void parsesTheMinimalManifest() {
        BundleManifest m = BundleManifest.parse(MINIMAL);
        assertThat(m.name()).isEqualTo("vector");
        assertThat(m.platform().id()).isEqualTo("debian-13-amd64-glibc");
        assertThat(m.requires()).isEmpty();
        assertThat(m.files()).isEmpty();
    }

    @Test
    void ignoresUnknownFieldsForForwardCompatibility() {
        BundleManifest m = BundleManifest.parse(MINIMAL.replace("\"license\"", "\"future_field\": {\"x\": [1]}, \"license\""));
        assertThat(m.license()).isEqualTo("PostgreSQL");
    }

    @Test
    void refusesANewerMetaFormatWithAnActionableMessage() {
        assertThatThrownBy(() -> BundleManifest.parse(MINIMAL.replace("\"meta_format\": 1", "\"meta_format\": 2")))
                .isInstanceOfSatisfying(InvalidManifestException.class, e -> assertThat(e.newerFormat()).isTrue())
                .hasMessageContaining("upgrade extfarm");
    }

    @Test
    void namesTheBadField() {
        assertThatThrownBy(() -> BundleManifest.parse(MINIMAL.replace("\"pg_major\": 17", "\"pg_major\": 3")))
                .hasMessageStartingWith("pg_major:");
        assertThatThrownBy(() -> BundleManifest.parse(MINIMAL.replace("\"name\": \"vector\"", "\"name\": \"Vector!\"")))
                .hasMessageStartingWith("name:");
        assertThatThrownBy(() -> BundleManifest.parse(MINIMAL.replace(", \"license\": \"PostgreSQL\"", "")))
                .hasMessageStartingWith("license:");
        assertThatThrownBy(() -> BundleManifest.parse(MINIMAL.replace("\"extensions\": [\"vector\"], ", "")))
                .hasMessageStartingWith("extensions:");
        assertThatThrownBy(() -> BundleManifest.parse(MINIMAL.replace("\"arch\": \"amd64\"", "\"arch\": \"AMD 64\"")))
                .hasMessageStartingWith("platform.arch:");
        assertThatThrownBy(() -> BundleManifest.parse("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> BundleManifest.parse("{\"name\": \"x\"}")).hasMessageStartingWith("meta_format:");
    }

    @Test
    void refusesFilesOutsideTheLayout() {
        BundleManifest m = BundleManifest.parse(MINIMAL).withFiles(List.of(
                BundleManifest.FileEntry.file("etc/passwd", 1, "0".repeat(64), false)));
        assertThatThrownBy(m::validate).hasMessageContaining("outside the bundle layout");
    }

    @Test
    void serialisesCanonicallyAndRoundTrips() {
        BundleManifest m = BundleManifest.parse(MINIMAL).withFiles(List.of(
                BundleManifest.FileEntry.file("share/extension/vector.control", 10, "a".repeat(64), false),
                BundleManifest.FileEntry.file("lib/vector.so", 20, "b".repeat(64), true)));
        String json = new String(m.toJson());
        assertThat(json).startsWith("{\n  \"meta_format\" : 1,\n  \"name\" : \"vector\"").endsWith("}\n");
        assertThat(json.indexOf("lib/vector.so")).isLessThan(json.indexOf("share/extension/vector.control"));
        assertThat(BundleManifest.parse(m.toJson())).isEqualTo(m);
    }

    @Test
    void platformIdsRoundTrip() {
        assertThat(Platform.parse("debian-sid-arm64-glibc")).isEqualTo(new Platform("linux", "debian-sid", "arm64", "glibc"));
        assertThatThrownBy(() -> Platform.parse("debian")).hasMessageContaining("<distro>-<arch>-<libc>");
    }

    @Test
    void controlFilesParseLikePostgresDoes() {
        ControlFile c = ControlFile.parse("postgis_raster", """
                # postgis_raster extension
                comment = 'PostGIS raster types and functions' # trailing comment
                default_version = '3.5.0'
                module_pathname = '$libdir/postgis_raster-3'
                requires = 'postgis, plpgsql'
                relocatable = false
                """.getBytes());
        assertThat(c.defaultVersion()).contains("3.5.0");
        assertThat(c.comment()).contains("PostGIS raster types and functions");
        assertThat(c.moduleName()).contains("postgis_raster-3");
        assertThat(c.requires()).containsExactly("postgis", "plpgsql");
    }
}
