package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients we did not write against the running registry on 127.0.0.1: docker pull / create / cp and
 * docker push (chunked uploads), skopeo inspect and copy both ways, Jib Core push and pull. The
 * files that come out are compared byte for byte with the bundle's. Skipped where docker or skopeo
 * are missing.
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

        String worker = Api.token("worker", null);
        String copy = host + "/extensions/" + Bundles.uniqueName("skopeocopy") + ":back";
        Cli.run(env, "skopeo", "copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", "worker:" + worker,
                "oci:" + layout + ":copied", "docker://" + copy);
        JsonNode back = Oci.JSON.readTree(Cli.run(env, "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + copy));
        assertThat(Oci.JSON.writeValueAsBytes(back)).isEqualTo(Oci.JSON.writeValueAsBytes(Oci.JSON.readTree(img.manifest())));
        JsonNode backInspect = Oci.JSON.readTree(Cli.run(env, "skopeo", "inspect", "--tls-verify=false", "docker://" + copy));
        assertThat(backInspect.path("Digest").asText()).isEqualTo(img.manifestDigest());
        Path again = tmp.resolve("again");
        Cli.run(env, "skopeo", "copy", "--preserve-digests", "--src-tls-verify=false", "docker://" + copy, "dir:" + again);
        assertThat(Files.readAllBytes(again.resolve(p.sha256()))).isEqualTo(p.bytes());
    }

    @Test
    void dockerPushesChunkedAndPullsBackIdentical() throws Exception {
        assumeClients("docker");
        BundleImagesTest.Packed p = published("dockerpush", 103);
        Map<String, byte[]> expected = files(new ByteArrayInputStream(p.bytes()));
        String source = host + "/" + p.image().repository() + ":" + p.image().platformTag().orElseThrow();
        String target = host + "/extensions/" + Bundles.uniqueName("pushed") + ":v1";
        try {
            Cli.run(env, "docker", "pull", source);
            Cli.run(env, "docker", "tag", source, target);
            String worker = Api.token("worker", null);
            Cli.run(env, "docker", "login", host, "-u", "worker", "-p", worker);
            String pushed = Cli.run(env, "docker", "push", target);
            String digest = pushed.replaceAll("(?s).*digest: (sha256:[0-9a-f]{64}).*", "$1");
            assertThat(digest).startsWith("sha256:");
            Cli.run(env, "docker", "rmi", "-f", source, target);
            String pulled = Cli.run(env, "docker", "pull", target);
            assertThat(pulled).contains("Digest: " + digest);
            assertSameFiles(dockerFiles(target, expected), expected);
        } finally {
            Cli.run(env, "docker", "rmi", "-f", source, target);
        }
    }

    @Test
    void jibCorePushesAndPullsBack() throws Exception {
        BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName("jib"), "3.0", "debian-12-amd64-glibc", 104);
        Map<String, byte[]> expected = files(new ByteArrayInputStream(p.bytes()));
        Path tree = tmp.resolve("tree");
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("bundle");
        for (var e : expected.entrySet()) {
            Path f = tree.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
            layer.addEntry(f, AbsoluteUnixPath.get("/" + e.getKey()));
        }
        System.setProperty("sendCredentialsOverHttp", "true");
        String worker = Api.token("worker", null);
        String repo = "extensions/" + p.name();
        JibContainer pushed = Jib.fromScratch().setFormat(ImageFormat.OCI).addFileEntriesLayer(layer.build())
                .addLabel("dev.extfarm.test", "jib").containerize(Containerizer
                        .to(RegistryImage.named(ImageReference.of(host, repo, "jib")).addCredential("worker", worker))
                        .setAllowInsecureRegistries(true).setApplicationLayersCache(tmp.resolve("jib-cache"))
                        .setBaseImageLayersCache(tmp.resolve("jib-base-cache")));
        String digest = pushed.getDigest().toString();
        JsonNode manifest = Oci.JSON.readTree(Oci.anonymous().get("/v2/" + repo + "/manifests/jib").then().statusCode(200)
                .header("Docker-Content-Digest", digest).extract().asByteArray());
        String layerDigest = manifest.path("layers").get(0).path("digest").asText();
        byte[] layerBytes = Oci.anonymous().get("/v2/" + repo + "/blobs/" + layerDigest).then().statusCode(200).extract().asByteArray();
        assertSameFiles(files(new GZIPInputStream(new ByteArrayInputStream(layerBytes))), expected);

        // and Jib pulls it back (as the base of a new image, pushed to another repository by mount)
        String copyRepo = "extensions/" + Bundles.uniqueName("jibcopy");
        JibContainer copy = Jib.from(RegistryImage.named(ImageReference.of(host, repo, "jib")).addCredential("worker", worker))
                .setFormat(ImageFormat.OCI).containerize(Containerizer
                        .to(RegistryImage.named(ImageReference.of(host, copyRepo, "copy")).addCredential("worker", worker))
                        .setAllowInsecureRegistries(true).setApplicationLayersCache(tmp.resolve("jib-cache"))
                        .setBaseImageLayersCache(tmp.resolve("jib-base-cache")));
        JsonNode copied = Oci.JSON.readTree(Oci.anonymous().get("/v2/" + copyRepo + "/manifests/copy").then().statusCode(200)
                .header("Docker-Content-Digest", copy.getDigest().toString()).extract().asByteArray());
        assertThat(copied.path("layers").get(0).path("digest").asText()).isEqualTo(layerDigest);
    }
}
