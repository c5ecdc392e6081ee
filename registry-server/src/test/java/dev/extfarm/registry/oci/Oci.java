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

/** A small OCI client over REST Assured, for tests: blobs, manifests, digests, in a fresh repository. */
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

    /** A fresh repository name: extensions/<prefix>_<random>. */
    static String repo(String prefix) {
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

    /** Pushes config + one layer + manifest under the tag; returns the manifest bytes. */
    static byte[] image(String repo, String tag, long seed) {
        byte[] config = config("seed-" + seed);
        byte[] layer = random(1000, seed);
        pushBlob(repo, config);
        pushBlob(repo, layer);
        byte[] m = bytes(manifest(config, layer));
        putManifest(repo, tag, MANIFEST, m).then().statusCode(201);
        return m;
    }

    static String errorCode(Response r) {
        return r.then().extract().path("errors[0].code");
    }
}
