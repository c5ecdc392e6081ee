package dev.extfarm.bundle.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import java.util.List;
import org.junit.jupiter.api.Test;

class BundleImageTest {

    static final String SHA = "ab".repeat(32);
    static final ObjectMapper JSON = new ObjectMapper();

    static BundleManifest manifest(String version, String platform) {
        return BundleManifest.builder().name("vector").version(version).pgMajor(17).platform(Platform.parse(platform))
                .defaultVersion(version).extensions(List.of("vector")).libraries(List.of("vector"))
                .license("PostgreSQL")
                .build(new BundleManifest.BuildInputs("cd".repeat(32), "ef".repeat(32), "sha256:" + "01".repeat(32), 1_700_000_000L))
                .build();
    }

    @Test
    void theSameBundleGivesTheSameBytesAndDigests() {
        BundleImage a = BundleImage.of(manifest("0.8.0", "debian-13-amd64-glibc"), SHA, 4096);
        BundleImage b = BundleImage.of(BundleManifest.parse(manifest("0.8.0", "debian-13-amd64-glibc").toJson()), SHA, 4096);
        assertThat(b.config()).isEqualTo(a.config());
        assertThat(b.manifest()).isEqualTo(a.manifest());
        assertThat(b.manifestDigest()).isEqualTo(a.manifestDigest()).isEqualTo("sha256:" + Digests.sha256(a.manifest()));
    }

    @Test
    void theLayerIsTheBundleItself() throws Exception {
        BundleImage img = BundleImage.of(manifest("0.8.0", "debian-13-amd64-glibc"), SHA, 4096);
        JsonNode m = JSON.readTree(img.manifest());
        assertThat(m.path("mediaType").asText()).isEqualTo(BundleImage.MANIFEST_MEDIA_TYPE);
        assertThat(m.path("layers")).hasSize(1);
        assertThat(m.path("layers").get(0).path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar");
        assertThat(m.path("layers").get(0).path("digest").asText()).isEqualTo("sha256:" + SHA);
        assertThat(m.path("layers").get(0).path("size").asLong()).isEqualTo(4096);
        assertThat(m.path("config").path("digest").asText()).isEqualTo(img.configDigest());
        assertThat(m.path("config").path("size").asInt()).isEqualTo(img.config().length);
        JsonNode c = JSON.readTree(img.config());
        assertThat(c.path("rootfs").path("diff_ids").get(0).asText()).isEqualTo("sha256:" + SHA);
        assertThat(c.path("os").asText()).isEqualTo("linux");
        assertThat(c.path("architecture").asText()).isEqualTo("amd64");
        assertThat(c.path("created").asText()).isEqualTo("2023-11-14T22:13:20Z");
    }

    @Test
    void labelsCarryTheBundleAndItsProvenance() throws Exception {
        BundleImage img = BundleImage.of(manifest("0.8.0", "debian-13-amd64-glibc"), SHA, 4096);
        JsonNode labels = JSON.readTree(img.config()).path("config").path("Labels");
        assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("vector");
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo("0.8.0");
        assertThat(labels.path("org.opencontainers.image.licenses").asText()).isEqualTo("PostgreSQL");
        assertThat(labels.path("org.opencontainers.image.created").asText()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(labels.path("dev.extfarm.bundle.pg-major").asText()).isEqualTo("17");
        assertThat(labels.path("dev.extfarm.bundle.platform").asText()).isEqualTo("debian-13-amd64-glibc");
        assertThat(labels.path("dev.extfarm.bundle.sha256").asText()).isEqualTo(SHA);
        assertThat(labels.path("dev.extfarm.build.recipe-revision").asText()).isEqualTo("cd".repeat(32));
        assertThat(labels.path("dev.extfarm.build.source-sha256").asText()).isEqualTo("ef".repeat(32));
        JsonNode annotations = JSON.readTree(img.manifest()).path("annotations");
        assertThat(annotations.path("org.opencontainers.image.title").asText()).isEqualTo("vector");
        assertThat(annotations.has("dev.extfarm.build.recipe-revision")).isFalse();
    }

    @Test
    void tagsFollowTheScheme() {
        BundleImage img = BundleImage.of(manifest("1.0+deb~1", "debian-12-arm64-glibc"), SHA, 10);
        assertThat(img.repository()).isEqualTo("extensions/vector");
        assertThat(img.platformTag()).contains("1.0_deb_1-pg17-debian-12-arm64");
        assertThat(img.movingTag()).isEqualTo("1.0_deb_1-pg17");
        assertThat(img.architecture()).isEqualTo("arm64");
        assertThat(img.variant()).contains("v8");
    }

    @Test
    void anotherBundleGivesAnotherImage() {
        BundleImage a = BundleImage.of(manifest("0.8.0", "debian-13-amd64-glibc"), SHA, 4096);
        BundleImage b = BundleImage.of(manifest("0.8.0", "debian-13-amd64-glibc"), "cd".repeat(32), 4096);
        assertThat(b.manifestDigest()).isNotEqualTo(a.manifestDigest());
        assertThat(b.configDigest()).isNotEqualTo(a.configDigest());
    }

    /**
     * The standard keys a registry UI, a scanner or {@code skopeo inspect} shows, in the manifest's
     * annotations and the config's labels alike: title, version, licenses, source (the recipe's public
     * source URL), revision (the pinned source archive) and created (SOURCE_DATE_EPOCH, not the build's
     * wall clock).
     */
    @Test
    void theStandardAnnotationsNameTheSourceItsRevisionAndTheSourceDate() throws Exception {
        BundleManifest m = BundleManifest.builder().name("semver").version("0.40.0").pgMajor(18)
                .platform(Platform.parse("debian-sid-amd64-glibc")).extensions(List.of("semver")).license("PostgreSQL")
                .build(new BundleManifest.BuildInputs("cd".repeat(32), "3e".repeat(32), "sha256:" + "01".repeat(32),
                        1_424_095_725L, "https://sources.debian.org/src/postgresql-semver/0.40.0-2/"))
                .build();
        BundleImage img = BundleImage.of(BundleManifest.parse(m.toJson()), SHA, 4096);
        JsonNode annotations = JSON.readTree(img.manifest()).path("annotations");
        JsonNode labels = JSON.readTree(img.config()).path("config").path("Labels");
        for (JsonNode keys : List.of(annotations, labels)) {
            assertThat(keys.path("org.opencontainers.image.title").asText()).isEqualTo("semver");
            assertThat(keys.path("org.opencontainers.image.version").asText()).isEqualTo("0.40.0");
            assertThat(keys.path("org.opencontainers.image.licenses").asText()).isEqualTo("PostgreSQL");
            assertThat(keys.path("org.opencontainers.image.source").asText())
                    .isEqualTo("https://sources.debian.org/src/postgresql-semver/0.40.0-2/");
            assertThat(keys.path("org.opencontainers.image.revision").asText()).isEqualTo("sha256:" + "3e".repeat(32));
            assertThat(keys.path("org.opencontainers.image.created").asText()).isEqualTo("2015-02-16T14:08:45Z");
        }
        assertThat(JSON.readTree(img.config()).path("created").asText()).isEqualTo("2015-02-16T14:08:45Z");

        // a bundle built before source URLs were recorded: no source annotation, and the same bytes as then
        BundleImage old = BundleImage.of(manifest("0.8.0", "debian-13-amd64-glibc"), SHA, 4096);
        JsonNode oldAnnotations = JSON.readTree(old.manifest()).path("annotations");
        assertThat(oldAnnotations.has("org.opencontainers.image.source")).isFalse();
        assertThat(oldAnnotations.path("org.opencontainers.image.revision").asText()).isEqualTo("sha256:" + "ef".repeat(32));
    }

    @Test
    void aSourceUrlThatIsNoPublicHttpUrlIsRefused() {
        for (String bad : List.of("file:///etc/passwd", "ftp://example.org/x.tar.gz", "https://example.org/a b",
                "https://example.org/\u001b[31m", "/relative/path", "https://" + "a".repeat(2048) + ".org/")) {
            BundleManifest m = BundleManifest.builder().name("semver").version("0.40.0").pgMajor(18)
                    .platform(Platform.parse("debian-sid-amd64-glibc")).extensions(List.of("semver")).license("PostgreSQL")
                    .build(new BundleManifest.BuildInputs("cd".repeat(32), "3e".repeat(32), null, 1L, bad)).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BundleManifest.parse(m.toJson()))
                    .as(bad).isInstanceOf(dev.extfarm.bundle.InvalidManifestException.class)
                    .hasMessageContaining("build.source_url");
        }
    }
}
