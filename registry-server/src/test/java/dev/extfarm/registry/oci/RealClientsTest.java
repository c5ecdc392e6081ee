package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients we did not write against the running registry on 127.0.0.1: docker pull / create / cp,
 * skopeo inspect and copy both ways, Jib Core's registry client pull; and their pushes of anything
 * but a bundle's own image (docker push of a re-tagged image, skopeo copy elsewhere, Jib's own
 * image) refused with the rule in their output. The files that come out are compared byte for byte with the bundle's.
 * Skipped where docker or skopeo are missing.
 */
@QuarkusTest
class RealClientsTest {

    @Inject
    OciMaintenance maintenance;
    @TempDir
    Path tmp;

    String host;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws IOException {
        host = "127.0.0.1:" + RestAssured.port;
        Path dockerConfig = Files.createDirectories(tmp.resolve("docker-config"));
        env = Map.of("DOCKER_CONFIG", dockerConfig.toString(), "REGISTRY_AUTH_FILE", tmp.resolve("auth.json").toString());
    }

    static void assumeClients(String... tools) {
        for (String t : tools) {
            assumeTrue(Cli.available(t.equals("docker") ? List.of("docker", "info") : List.of(t, "--version")), t + " is not available");
        }
    }

    BundleImagesTest.Packed published(String prefix, int seed) throws Exception {
        BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName(prefix), "1.0", "debian-12-amd64-glibc", seed);
        BundleImagesTest.upload(p);
        maintenance.backfill();
        return p;
    }

    /** Regular files of a tar (the bundle, or an uncompressed/gzipped layer): path → bytes. */
    static Map<String, byte[]> files(InputStream tar) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(tar)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    files.put(e.getName().replaceFirst("^\\./", "").replaceFirst("^/", ""), in.readAllBytes());
                }
            }
        }
        return files;
    }

    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** docker create + docker cp of the bundle's top-level entries. */
    Map<String, byte[]> dockerFiles(String image, Map<String, byte[]> expected) throws IOException {
        String container = "extfarm-oci-" + System.nanoTime();
        Cli.run(env, "docker", "create", "--name", container, image, "/no-command");
        try {
            Path out = Files.createDirectories(tmp.resolve(container));
            for (String top : expected.keySet().stream().map(k -> k.split("/")[0]).distinct().toList()) {
                Cli.run(env, "docker", "cp", container + ":/" + top, out.resolve(top).toString());
            }
            return files(out);
        } finally {
            Cli.run(env, "docker", "rm", "-f", container);
        }
    }

    static void assertSameFiles(Map<String, byte[]> actual, Map<String, byte[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((k, v) -> assertThat(actual.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void dockerPullsABundleImageAndItsFilesAreTheBundles() throws Exception {
        assumeClients("docker");
        BundleImagesTest.Packed p = published("docker", 101);
        Map<String, byte[]> expected = files(new ByteArrayInputStream(p.bytes()));
        for (String tag : List.of(p.image().platformTag().orElseThrow(), p.image().movingTag())) {
            String image = host + "/" + p.image().repository() + ":" + tag;
            try {
                String out = Cli.run(env, "docker", "pull", image);
                assertThat(out).contains("Digest: sha256:");
                assertSameFiles(dockerFiles(image, expected), expected);
            } finally {
                Cli.run(env, "docker", "rmi", "-f", image);
            }
        }
    }

    @Test
    void skopeoInspectsAndCopiesBothWays() throws Exception {
        assumeClients("skopeo");
        BundleImagesTest.Packed p = published("skopeo", 102);
        BundleImage img = p.image();
        String ref = "docker://" + host + "/" + img.repository() + ":" + img.platformTag().orElseThrow();
        JsonNode inspect = Oci.JSON.readTree(Cli.run(env, "skopeo", "inspect", "--tls-verify=false", ref));
        assertThat(inspect.path("Digest").asText()).isEqualTo(img.manifestDigest());
        assertThat(inspect.path("Labels").path(BundleImage.LABEL_BUNDLE_SHA256).asText()).isEqualTo(p.sha256());
        assertThat(inspect.path("Layers").get(0).asText()).isEqualTo("sha256:" + p.sha256());

        Path layout = tmp.resolve("oci-layout");
        // --preserve-digests: skopeo would otherwise gzip the uncompressed layer on the way
        Cli.run(env, "skopeo", "copy", "--preserve-digests", "--src-tls-verify=false", ref, "oci:" + layout + ":copied");
        assertThat(Files.readAllBytes(layout.resolve("blobs/sha256/" + p.sha256()))).isEqualTo(p.bytes());
        assertThat(Files.readAllBytes(layout.resolve("blobs/sha256/" + img.manifestDigest().substring(7)))).isEqualTo(img.manifest());

        // and back into its own repository under its own tag: the same bytes, so the push is accepted (and changes nothing)
        String worker = Api.token("worker", null);
        String copy = host + "/" + img.repository() + ":" + img.platformTag().orElseThrow();
        Cli.run(env, "skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", "worker:" + worker,
                "oci:" + layout + ":copied", "docker://" + copy);
        JsonNode back = Oci.JSON.readTree(Cli.run(env, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + copy));
        assertThat(Oci.JSON.writeValueAsBytes(back)).isEqualTo(Oci.JSON.writeValueAsBytes(Oci.JSON.readTree(img.manifest())));
        Path again = tmp.resolve("again");
        Cli.run(env, "skopeo", "copy", "--preserve-digests", "--src-tls-verify=false", "docker://" + copy, "dir:" + again);
        assertThat(Files.readAllBytes(again.resolve(p.sha256()))).isEqualTo(p.bytes());

        // into another repository, or under another tag: refused, with the rule in skopeo's output
        String otherRepo = Oci.repo("skopeocopy");
        for (String target : List.of(host + "/" + otherRepo + ":" + img.platformTag().orElseThrow(), host + "/" + img.repository() + ":latest")) {
            Cli.Result refused = Cli.attempt(env, "skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds",
                    "worker:" + worker, "oci:" + layout + ":copied", "docker://" + target);
            assertThat(refused.exit()).as(refused.output()).isNotZero();
            assertThat(refused.output()).containsIgnoringCase("denied");
        }
        Oci.admin().get("/v2/" + img.repository() + "/manifests/latest").then().statusCode(404);
        Oci.admin().get("/v2/" + otherRepo + "/tags/list").then().statusCode(200).body("tags", org.hamcrest.Matchers.empty());
    }

    @Test
    void dockerPushOfAnythingButABundleImageIsRefused() throws Exception {
        assumeClients("docker");
        BundleImagesTest.Packed p = published("dockerpush", 103);
        String source = host + "/" + p.image().repository() + ":" + p.image().platformTag().orElseThrow();
        List<String> before = Oci.admin().get("/v2/" + p.image().repository() + "/tags/list").then().extract().path("tags");
        String otherRepo = Oci.repo("pushed");
        List<String> targets = List.of(host + "/" + p.image().repository() + ":latest", host + "/" + otherRepo + ":v1");
        try {
            Cli.run(env, "docker", "pull", source);
            String worker = Api.token("worker", null);
            Cli.run(env, "docker", "login", host, "-u", "worker", "-p", worker);
            for (String target : targets) {
                Cli.run(env, "docker", "tag", source, target);
                // docker uploads what it must (chunked), then the manifest is refused with the rule it breaks
                Cli.Result pushed = Cli.attempt(env, "docker", "push", target);
                assertThat(pushed.exit()).as(pushed.output()).isNotZero();
                assertThat(pushed.output()).containsIgnoringCase("denied");
            }
        } finally {
            Cli.run(env, "docker", "rmi", "-f", source, targets.get(0), targets.get(1));
        }
        assertThat(Oci.admin().get("/v2/" + p.image().repository() + "/tags/list").then().extract().<List<String>>path("tags"))
                .containsExactlyInAnyOrderElementsOf(before);
        Oci.admin().get("/v2/" + otherRepo + "/tags/list").then().statusCode(200).body("tags", org.hamcrest.Matchers.empty());
    }

    @Test
    void jibCorePullsABundleImageAndItsOwnImagesAreRefused() throws Exception {
        BundleImagesTest.Packed p = published("jib", 104);
        Map<String, byte[]> expected = files(new ByteArrayInputStream(p.bytes()));
        System.setProperty("sendCredentialsOverHttp", "true");
        String worker = Api.token("worker", null);
        String repo = p.image().repository();

        // Jib's registry client (the worker's) pulls the image: the manifest by its tag, and the layer, which is the bundle
        FailoverHttpClient http = new FailoverHttpClient(true, true, e -> { });
        try {
            RegistryClient client = RegistryClient.factory(EventHandlers.NONE, host, repo, http).newRegistryClient();
            client.doPullBearerAuth();
            var manifest = client.pullManifest(p.image().platformTag().orElseThrow());
            assertThat(manifest.getDigest().toString()).isEqualTo(p.image().manifestDigest());
            ByteArrayOutputStream layerBytes = new ByteArrayOutputStream();
            client.pullBlob(DescriptorDigest.fromDigest(p.image().layerDigest()), size -> { }, read -> { }).writeTo(layerBytes);
            assertThat(layerBytes.toByteArray()).isEqualTo(p.bytes());
        } finally {
            http.shutDown();
        }

        // Jib's own image (its gzip layer of the same files) is no bundle's image: refused, nothing stored
        Path tree = tmp.resolve("tree");
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("bundle");
        for (var e : expected.entrySet()) {
            Path f = tree.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
            layer.addEntry(f, AbsoluteUnixPath.get("/" + e.getKey()));
        }
        for (String tag : List.of("jib", p.image().platformTag().orElseThrow())) {
            assertThatThrownBy(() -> Jib.fromScratch().setFormat(ImageFormat.OCI).addFileEntriesLayer(layer.build())
                    .addLabel("dev.extfarm.test", "jib").containerize(Containerizer
                            .to(RegistryImage.named(ImageReference.of(host, repo, tag)).addCredential("worker", worker))
                            .setAllowInsecureRegistries(true).setApplicationLayersCache(tmp.resolve("jib-cache"))
                            .setBaseImageLayersCache(tmp.resolve("jib-base-cache")))).isInstanceOf(Exception.class);
        }
        Oci.anonymous().get("/v2/" + repo + "/manifests/jib").then().statusCode(404);
        Oci.anonymous().get("/v2/" + repo + "/manifests/" + p.image().platformTag().orElseThrow()).then().statusCode(200)
                .header("Docker-Content-Digest", p.image().manifestDigest());
    }
}
