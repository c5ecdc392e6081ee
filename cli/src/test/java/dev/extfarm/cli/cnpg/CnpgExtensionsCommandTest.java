package dev.extfarm.cli.cnpg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import dev.extfarm.cli.CliRun;
import dev.extfarm.cli.RegistryProcess;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code extfarm cnpg extensions} against the real registry (its catalog and its /v2 images, made
 * by its backfill): the stanza has exactly the fields CloudNativePG documents for
 * {@code .spec.postgresql.extensions}, references images by the digest the registry serves, adds
 * what an extension requires, preloads what must be, and refuses what CNPG could not mount.
 * That the stanza works in PostgreSQL 18 with farm-built bundles: {@code CloudNativePgImageVolumesIT}.
 */
class CnpgExtensionsCommandTest {

    /** The fields of CNPG's ExtensionConfiguration (docs: imagevolume_extensions, API reference). */
    static final Set<String> CNPG_FIELDS = Set.of("name", "image", "extension_control_path", "dynamic_library_path", "ld_library_path");
    static final String SID = "debian-sid-amd64-glibc";
    static final String TRIXIE = "debian-13-amd64-glibc";
    static final ObjectMapper JSON = new ObjectMapper();

    static RegistryProcess registry;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void publish() throws Exception {
        registry = RegistryProcess.start(Map.of("EXTFARM_OCI_BACKFILL_EVERY", "1s"));
        upload(bundle("cn_base", "1.0", SID, List.of(), false, 1));
        upload(bundle("cn_base", "1.1", SID, List.of(), false, 2));
        upload(bundle("cn_user", "2.0", SID, List.of("cn_base", "plpgsql"), false, 3));
        upload(bundle("cn_preload", "0.9", SID, List.of(), true, 4));
        upload(bundle("cn_two", "1.0", SID, List.of(), false, 5));
        upload(bundle("cn_two", "1.0", TRIXIE, List.of(), false, 6));
        upload(bundle("cn_bad_", "1.0", SID, List.of(), false, 7));
        upload(bundle("cn-user", "1.0", SID, List.of(), false, 8));
        HttpResponse<String> reserved = HTTP.send(HttpRequest.newBuilder(registry.base.resolve("/api/v1/admin/extensions/cn_secret/visibility"))
                .header("Authorization", "Bearer " + registry.adminToken).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"visibility\": \"private\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reserved.statusCode()).as(reserved.body()).isBetween(200, 204);
        upload(bundle("cn_secret", "1.0", SID, List.of(), false, 9));
        // tags: one per platform and version, one moving tag per version
        awaitImages(Map.of("cn_base", 4, "cn_user", 2, "cn_preload", 2, "cn_two", 3, "cn_bad_", 2, "cn-user", 2));
        awaitImages(Map.of("cn_secret", 2), registry.adminToken);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    static CliRun.Result cnpg(String... args) {
        List<String> all = new ArrayList<>(List.of("cnpg", "extensions"));
        all.addAll(List.of(args));
        all.addAll(List.of("--registry", registry.base.toString()));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("EXTFARM_TOKEN", null); // anonymous, as a cluster's nodes pull public images
        return CliRun.withEnv(env, all.toArray(String[]::new));
    }

    @Test
    void theStanzaHasCnpgsFieldsAndReferencesTheServedImageByDigest() throws Exception {
        CliRun.Result r = cnpg("cn_preload", "cn_base", "--pg", "18");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("# CloudNativePG image volume extensions for PostgreSQL 18 on " + SID);
        JsonNode stanza = new YAMLMapper().readTree(r.out());
        assertThat(fieldNames(stanza)).containsExactly("extensions", "shared_preload_libraries");
        assertThat(stanza.path("shared_preload_libraries")).hasSize(1);
        assertThat(stanza.path("shared_preload_libraries").get(0).asText()).isEqualTo("cn_preload");
        JsonNode extensions = stanza.path("extensions");
        assertThat(extensions).hasSize(2);
        for (JsonNode e : extensions) {
            assertThat(CNPG_FIELDS).containsAll(fieldNames(e));
            assertThat(fieldNames(e.path("image"))).containsExactly("reference");
            assertThat(e.path("extension_control_path").toString()).isEqualTo("[\"share\"]");
            assertThat(e.path("dynamic_library_path").toString()).isEqualTo("[\"lib\"]");
            assertThat(e.has("ld_library_path")).as("bundled libraries are found through RUNPATH $ORIGIN").isFalse();
        }
        assertThat(extensions.get(0).path("name").asText()).isEqualTo("cn_preload");
        assertThat(extensions.get(1).path("name").asText()).isEqualTo("cn_base");
        // the newest version, by the digest of the manifest the registry serves, whose layer is the bundle
        String reference = extensions.get(1).path("image").path("reference").asText();
        String host = registry.base.getAuthority();
        assertThat(reference).startsWith(host + "/extensions/cn_base@sha256:");
        String digest = reference.substring(reference.indexOf('@') + 1);
        byte[] manifest = get("/v2/extensions/cn_base/manifests/" + digest);
        assertThat("sha256:" + Digests.sha256(manifest)).isEqualTo(digest);
        assertThat(JSON.readTree(manifest).path("annotations").path("org.opencontainers.image.version").asText()).isEqualTo("1.1");

        // JSON: the same keys and values
        CliRun.Result json = cnpg("cn_preload", "cn_base", "--pg", "18", "--output", "json");
        assertThat(json.code()).as(json.toString()).isZero();
        assertThat(JSON.readTree(json.out())).isEqualTo(stanza);
        // NAME@VERSION, and the host the cluster pulls from
        CliRun.Result pinned = cnpg("cn_base@1.0", "--pg", "18", "--image-registry", "registry.example.com");
        assertThat(pinned.code()).as(pinned.toString()).isZero();
        String ref10 = new YAMLMapper().readTree(pinned.out()).path("extensions").get(0).path("image").path("reference").asText();
        assertThat(ref10).startsWith("registry.example.com/extensions/cn_base@sha256:").isNotEqualTo(reference);
        byte[] m10 = get("/v2/extensions/cn_base/manifests/" + ref10.substring(ref10.indexOf('@') + 1));
        assertThat(JSON.readTree(m10).path("annotations").path("org.opencontainers.image.version").asText()).isEqualTo("1.0");
    }

    @Test
    void whatAnExtensionRequiresIsMountedTooUnlessPostgresqlHasIt() throws Exception {
        CliRun.Result r = cnpg("cn_user", "--pg", "18");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode extensions = new YAMLMapper().readTree(r.out()).path("extensions");
        assertThat(extensions.findValuesAsText("name")).containsExactly("cn_user", "cn_base");
        assertThat(r.out()).contains("cn_base 1.1: bundle ").contains("required by cn_user")
                .contains("plpgsql (required by cn_user): not in the farm's catalog; PostgreSQL's own");
        // named already: not twice
        CliRun.Result both = cnpg("cn_base", "cn_user", "--pg", "18");
        assertThat(new YAMLMapper().readTree(both.out()).path("extensions").findValuesAsText("name")).containsExactly("cn_base", "cn_user");
    }

    @Test
    void aPrivateExtensionIsPrintedForWhoMaySeeItWithWhatTheClusterNeedsToPullIt() throws Exception {
        CliRun.Result anonymous = cnpg("cn_secret", "--pg", "18");
        assertThat(anonymous.code()).isEqualTo(1);
        assertThat(anonymous.err()).contains("has no extension 'cn_secret'");
        List<String> args = new ArrayList<>(List.of("cnpg", "extensions", "cn_secret", "--pg", "18", "--registry",
                registry.base.toString(), "--token", registry.adminToken));
        CliRun.Result admin = CliRun.run(args.toArray(String[]::new));
        assertThat(admin.code()).as(admin.toString()).isZero();
        assertThat(admin.out()).contains("private: the Cluster pulls it with imagePullSecrets holding a compute token");
        String reference = new YAMLMapper().readTree(admin.out()).path("extensions").get(0).path("image").path("reference").asText();
        assertThat(reference).contains("/extensions/cn_secret@sha256:");
    }

    @Test
    void severalPlatformsNeedAChoice() throws Exception {
        CliRun.Result r = cnpg("cn_two", "--pg", "18");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("several platforms").contains(SID).contains(TRIXIE).contains("--platform");
        assertThat(r.out()).isEmpty();
        CliRun.Result chosen = cnpg("cn_two", "--pg", "18", "--platform", TRIXIE);
        assertThat(chosen.code()).as(chosen.toString()).isZero();
        assertThat(chosen.out()).contains("PostgreSQL 18 on " + TRIXIE);
        CliRun.Result mixed = cnpg("cn_two", "cn_base", "--pg", "18", "--platform", TRIXIE);
        assertThat(mixed.code()).isEqualTo(1);
        assertThat(mixed.err()).contains("cn_base has no approved bundle for PostgreSQL 18 on " + TRIXIE).contains(SID);
    }

    @Test
    void whatCnpgCannotMountOrTheRegistryDoesNotHaveIsRefused() {
        CliRun.Result trailing = cnpg("cn_bad_", "--pg", "18");
        assertThat(trailing.code()).isEqualTo(1);
        assertThat(trailing.err()).contains("'cn_bad_' cannot be a CloudNativePG extension name");
        CliRun.Result clash = cnpg("cn_user", "cn-user", "--pg", "18");
        assertThat(clash.code()).isEqualTo(1);
        assertThat(clash.err()).contains("would share one CloudNativePG volume name (cn-user)");
        CliRun.Result unknown = cnpg("no_such_ext", "--pg", "18");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("has no extension 'no_such_ext'");
        CliRun.Result noBundle = cnpg("cn_base@9.9", "--pg", "18");
        assertThat(noBundle.code()).isEqualTo(1);
        assertThat(noBundle.err()).contains("cn_base 9.9 has no approved bundle for PostgreSQL 18");
        CliRun.Result old = cnpg("cn_base", "--pg", "17");
        assertThat(old.code()).isEqualTo(2);
        assertThat(old.err()).contains("need PostgreSQL 18 or later");
        assertThat(cnpg("cn_base").code()).as("--pg is required").isEqualTo(2);
        assertThat(cnpg("Bad/Name", "--pg", "18").code()).isEqualTo(2);
        CliRun.Result badHost = cnpg("cn_base", "--pg", "18", "--image-registry", "registry.example.com/path");
        assertThat(badHost.code()).isEqualTo(2);
        assertThat(badHost.err()).contains("--image-registry registry.example.com/path is no HOST[:PORT]");
        for (CliRun.Result r : List.of(trailing, clash, unknown, noBundle, old)) {
            assertThat(r.out()).as("nothing printed to standard output on failure").isEmpty();
        }
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static byte[] get(String path) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(registry.base.resolve(path))
                .header("Accept", "application/vnd.oci.image.manifest.v1+json").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    /** A small bundle as the farm lays it out; {@code seed} makes each one's bytes its own. */
    static byte[] bundle(String name, String version, String platform, List<String> requires, boolean sharedPreload, int seed)
            throws Exception {
        Path tree = Files.createTempDirectory("cnpg-bundle");
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/" + name + ".control"), "default_version = '" + version + "'\n"
                + (requires.isEmpty() ? "" : "requires = '" + String.join(", ", requires) + "'\n"));
        Files.writeString(tree.resolve("share/extension/" + name + "--" + version + ".sql"), "SELECT " + seed + ";\n");
        Files.createDirectories(tree.resolve("lib"));
        Files.write(tree.resolve("lib/" + name + ".so"), ("module " + seed).getBytes());
        BundleManifest m = BundleManifest.builder().name(name).version(version).pgMajor(18).platform(Platform.parse(platform))
                .defaultVersion(version).extensions(List.of(name)).requires(requires).libraries(List.of(name))
                .sharedPreload(sharedPreload).license("MIT")
                .build(new BundleManifest.BuildInputs("a".repeat(64), "b".repeat(64), "sha256:" + "c".repeat(64), 1_700_000_000L))
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BundleWriter.pack(tree, m, 1_700_000_000L, out);
        return out.toByteArray();
    }

    static void upload(byte[] tar) throws Exception {
        String sha = Digests.sha256(tar);
        String name = BundleManifest.parse(manifestOf(tar)).name();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(registry.base.resolve("/extensions/" + name + "/sha-256+" + sha
                        + "/bundle.tar")).header("Authorization", "Bearer " + registry.adminToken)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(tar)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private static byte[] manifestOf(byte[] tar) throws Exception {
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals("manifest.json")) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError("no manifest.json");
    }

    /** The registry's backfill makes the images (every second here) and the moving tags. */
    static void awaitImages(Map<String, Integer> tags) throws Exception {
        awaitImages(tags, null);
    }

    static void awaitImages(Map<String, Integer> tags, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (String name : tags.keySet()) {
            while (true) {
                HttpRequest.Builder req = HttpRequest.newBuilder(registry.base.resolve("/v2/extensions/" + name + "/tags/list"));
                if (token != null) {
                    req.header("Authorization", "Bearer " + token);
                }
                HttpResponse<String> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && JSON.readTree(r.body()).path("tags").size() >= tags.get(name)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no image of " + name + " after 90 s: " + r.body() + "; see " + registry.data);
                }
                Thread.sleep(250);
            }
        }
    }
}
