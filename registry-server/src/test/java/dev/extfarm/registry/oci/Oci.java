package dev.extfarm.registry.oci;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/**
 * A small OCI client over REST Assured, for tests: blobs, manifests, digests, in a fresh repository
 * of the catalog (only those exist under /v2, and only bundle images are pushed into them).
 */
final class Oci {

    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final ObjectMapper JSON = new ObjectMapper();
    static final RestAssuredConfig RAW = RestAssuredConfig.config().encoderConfig(
            EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    private Oci() {
    }

    /** A fresh repository of the catalog: extensions/<prefix>_<random>, a public extension with nothing in it yet. */
    static String repo(String prefix) {
        String name = Bundles.uniqueName(prefix);
        Api.as(Api.ADMIN).contentType("application/json").body(java.util.Map.of("visibility", "public"))
                .put("/api/v1/admin/extensions/" + name + "/visibility").then().statusCode(200);
        return "extensions/" + name;
    }

    /** A repository name outside the catalog. */
    static String unknownRepo(String prefix) {
        return "extensions/" + Bundles.uniqueName(prefix);
    }

    static RequestSpecification as(String token) {
        return given().config(RAW).header("Authorization", "Bearer " + token);
    }

    static RequestSpecification admin() {
        return as(Api.ADMIN);
    }

    static RequestSpecification basic(String token) {
        return given().config(RAW).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString(("user:" + token).getBytes(StandardCharsets.UTF_8)));
    }

    static RequestSpecification anonymous() {
        return given().config(RAW);
    }

    static String sha256(byte[] b) {
        return "sha256:" + Digests.sha256(b);
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Monolithic POST ?digest=; returns the digest. */
    static String pushBlob(String repo, byte[] bytes) {
        String d = sha256(bytes);
        admin().contentType("application/octet-stream").body(bytes).queryParam("digest", d)
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
        return d;
    }

    /** A unique config blob (pushed) and its JSON bytes. */
    static byte[] config(String author) {
        ObjectNode c = JSON.createObjectNode().put("architecture", "amd64").put("os", "linux").put("author", author);
        c.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        return c.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode descriptor(String mediaType, byte[] bytes) {
        return JSON.createObjectNode().put("mediaType", mediaType).put("digest", sha256(bytes)).put("size", bytes.length);
    }

    /** An image manifest of the config and layers (bytes of each). */
    static ObjectNode manifest(byte[] config, byte[]... layers) {
        ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST);
        m.set("config", descriptor(CONFIG, config));
        ArrayNode l = m.putArray("layers");
        for (byte[] layer : layers) {
            l.add(descriptor(LAYER_GZIP, layer));
        }
        return m;
    }

    static byte[] bytes(ObjectNode json) {
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Response putManifest(String repo, String reference, String mediaType, byte[] body) {
        return admin().contentType(mediaType).body(body).put("/v2/" + repo + "/manifests/" + reference);
    }

    /** An uploaded bundle whose image the registry made (backfill), in a fresh repository. */
    static BundleImagesTest.Packed published(OciMaintenance maintenance, String prefix, String version, int seed) {
        try {
            BundleImagesTest.Packed p = BundleImagesTest.pack(Bundles.uniqueName(prefix), version, Bundles.PLATFORM, seed);
            BundleImagesTest.upload(p);
            maintenance.backfill();
            return p;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String errorCode(Response r) {
        return r.then().extract().path("errors[0].code");
    }
}
