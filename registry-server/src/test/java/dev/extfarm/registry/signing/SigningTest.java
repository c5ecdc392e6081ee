package dev.extfarm.registry.signing;

import static dev.extfarm.registry.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.Dsse;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.builds.TestWorker;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry signs every bundle it accepts with the farm key (generated in the data directory
 * for tests), serves the JWS beside the bundle under the bundle's own visibility rule, publishes
 * its public keys, signs older bundles in a backfill, and serves signed SLSA provenance.
 */
@QuarkusTest
class SigningTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;
    @Inject
    SignatureBackfill backfill;
    @Inject
    BlobStore store;
    @Inject
    EntityManager em;
    @Inject
    QueueJanitor janitor;
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "extfarm.data-dir")
    java.nio.file.Path dataDir;

    static KeySet keys() throws Exception {
        String body = RestAssured.given().get("/api/v1/keys").then().statusCode(200)
                .contentType("application/jwk-set+json").extract().asString();
        JsonNode jwks = JSON.readTree(body);
        for (JsonNode k : jwks.path("keys")) {
            assertThat(k.has("d")).as("no private part is ever published").isFalse();
            assertThat(k.path("kid").asText()).isNotEmpty();
        }
        return KeySet.parse(jwks);
    }

    static BundleSignature.Statement statement(Bundles.Bundle b) {
        return new BundleSignature.Statement(b.sha256(), b.name(), b.version(), b.pg(), Bundles.PLATFORM);
    }

    @Test
    void anUploadedBundleIsSignedAndTheSignatureVerifiesWithThePublishedKeys() throws Exception {
        Bundles.Bundle b = Bundles.bundle(Bundles.uniqueName("signed"), "1.0", 15);
        Api.upload(Api.token("worker", null), b, 201);
        byte[] jws = RestAssured.given().get(b.path() + ".sig").then().statusCode(200).contentType("application/jose+json")
                .header("Cache-Control", "public, max-age=300").extract().asByteArray();
        String kid = BundleSignature.verify(jws, keys(), statement(b));
        assertThat(kid).startsWith("farm-");
        // the signature names exactly this bundle: as another version it is refused
        var other = new BundleSignature.Statement(b.sha256(), b.name(), "2.0", b.pg(), Bundles.PLATFORM);
        assertThatThrownBy(() -> BundleSignature.verify(jws, keys(), other))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> assertThat(e.reason()).isEqualTo("mismatch"));
        // an untrusted key set refuses it, naming the key
        KeySet stranger = new KeySet(List.of(SigningKey.generate("stranger")));
        assertThatThrownBy(() -> BundleSignature.verify(jws, stranger, statement(b)))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo("untrusted-key");
                    assertThat(e.getMessage()).contains(kid);
                });
    }

    @Test
    void bundlesStoredBeforeSigningExistedAreSignedByTheBackfill() throws Exception {
        Bundles.Bundle b = Bundles.bundle(Bundles.uniqueName("older"), "1.0", 15);
        Api.upload(Api.token("worker", null), b, 201);
        forgetSignature(b);
        RestAssured.given().get(b.path() + ".sig").then().statusCode(404).contentType("application/problem+json");
        assertThat(backfill.run()).isGreaterThanOrEqualTo(1);
        byte[] jws = RestAssured.given().get(b.path() + ".sig").then().statusCode(200).extract().asByteArray();
        BundleSignature.verify(jws, keys(), statement(b));
    }

    @Test
    void theGeneratedKeyIsPrivateToTheRegistryAndNeverPublished() throws Exception {
        java.nio.file.Path file = dataDir.resolve("signing/farm.jwk");
        assertThat(java.nio.file.Files.getPosixFilePermissions(file))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(SigningKey.read(file).canSign()).isTrue();
        assertThat(keys().find(SigningKey.read(file).kid())).isPresent();
    }

    @Test
    void aBundleSignedByAKeyTheRegistryNoLongerHasIsSignedAgainByTheBackfill() throws Exception {
        Bundles.Bundle b = Bundles.bundle(Bundles.uniqueName("rotated"), "1.0", 15);
        Api.upload(Api.token("worker", null), b, 201);
        SigningKey retired = SigningKey.generate("retired-key");
        BlobKey sig = BlobKey.signature(new BundleAddress(b.name(), b.sha256()));
        store.delete(sig);
        byte[] old = dev.extfarm.bundle.sign.BundleSignature.sign(statement(b), retired);
        store.put(sig, new java.io.ByteArrayInputStream(old), dev.extfarm.bundle.Digests.sha256(old));
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE bundle_signature SET kid = 'retired-key' "
                + "WHERE bundle_sha256 = :h").setParameter("h", b.sha256()).executeUpdate());
        assertThat(keys().find("retired-key")).as("a key the registry does not have is never listed").isEmpty();
        assertThat(backfill.run()).isGreaterThanOrEqualTo(1);
        byte[] jws = RestAssured.given().get(b.path() + ".sig").then().statusCode(200).extract().asByteArray();
        assertThat(BundleSignature.verify(jws, keys(), statement(b))).isNotEqualTo("retired-key");
    }

    void forgetSignature(Bundles.Bundle b) throws Exception {
        store.delete(BlobKey.signature(new BundleAddress(b.name(), b.sha256())));
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("DELETE FROM bundle_signature WHERE bundle_sha256 = :h")
                .setParameter("h", b.sha256()).executeUpdate());
    }

    @Test
    void aPrivateBundlesSignatureFollowsTheBundlesVisibilityAndTheSpecLinksIt() throws Exception {
        String name = Bundles.uniqueName("hidden");
        Api.makePrivate(name);
        Bundles.Bundle b = Bundles.bundle(name, "1.0", 15);
        Api.upload(Api.token("worker", null), b, 201);
        RestAssured.given().get(b.path() + ".sig").then().statusCode(404);
        String tenant = Api.tenant("sig");
        Api.grant(tenant, name);
        JsonNode spec = JSON.readTree(as(Api.token("compute", tenant)).get("/api/v1/compute/spec?pg=15&platform=" + Bundles.PLATFORM)
                .then().statusCode(200).extract().asString());
        JsonNode entry = null;
        for (JsonNode e : spec.path("extensions")) {
            if (e.path("extension_name").asText().equals(name)) {
                entry = e;
            }
        }
        assertThat(entry).isNotNull();
        String link = entry.path("signature_link").asText();
        assertThat(link).contains("/bundle.tar.sig?").contains("sig=");
        byte[] jws = RestAssured.given().urlEncodingEnabled(false).get(link).then().statusCode(200)
                .header("Cache-Control", "private").extract().asByteArray();
        BundleSignature.verify(jws, keys(), statement(b));
    }

    @Test
    void provenanceOfABuildIsASignedSlsaStatementAboutItsBundle() throws Exception {
        janitor.cancelEverythingLive();
        String name = Farm.unique("prov");
        long id = Farm.pushNew(Farm.token("maintainer"), name, List.of(15)).get(15);
        RestAssured.given().get("/api/v1/builds/" + id + "/provenance").then().statusCode(404)
                .contentType("application/problem+json").body("type", org.hamcrest.Matchers.endsWith("provenance-not-found"));
        TestWorker worker = new TestWorker(url.toURI(), Farm.token("worker"), "prov-w");
        for (TestWorker.Job job : worker.claim(1)) {
            TestWorker.expect(worker.succeed(job), 200);
        }
        JsonNode build = JSON.readTree(RestAssured.given().get("/api/v1/builds/" + id).then().statusCode(200).extract().asString());
        byte[] envelope = RestAssured.given().get("/api/v1/builds/" + id + "/provenance").then().statusCode(200)
                .contentType(Dsse.MEDIA_TYPE).extract().asByteArray();
        Dsse.Verified v = Dsse.verify(envelope, keys());
        assertThat(v.payloadType()).isEqualTo(Dsse.IN_TOTO_PAYLOAD_TYPE);
        JsonNode st = JSON.readTree(v.payload());
        assertThat(st.path("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
        assertThat(st.path("predicateType").asText()).isEqualTo("https://slsa.dev/provenance/v1");
        String sha = st.path("subject").get(0).path("digest").path("sha256").asText();
        assertThat(st.path("subject").get(0).path("name").asText()).isEqualTo("extensions/" + name + "/sha-256+" + sha + "/bundle.tar");
        assertThat(build.toString()).contains(sha);
        JsonNode deps = st.path("predicate").path("buildDefinition").path("resolvedDependencies");
        assertThat(deps.toString()).contains("https://example.org/" + name + "-1.0.0.tar.gz")
                .contains(Farm.sourceSha(name, "1.0.0")).contains("builder-image");
        JsonNode run = st.path("predicate").path("runDetails");
        assertThat(run.path("builder").path("id").asText()).isEqualTo("extfarm:worker:prov-w");
        assertThat(run.path("metadata").path("startedOn").asText()).isNotEmpty();
        assertThat(run.path("metadata").path("finishedOn").asText()).isNotEmpty();
        // tampering with the envelope breaks it
        JsonNode env = JSON.readTree(envelope);
        ((com.fasterxml.jackson.databind.node.ObjectNode) env).put("payload", java.util.Base64.getEncoder()
                .encodeToString(new String(v.payload()).replace(sha, "0".repeat(64)).getBytes()));
        assertThatThrownBy(() -> Dsse.verify(JSON.writeValueAsBytes(env), keys()))
                .isInstanceOfSatisfying(BundleSignature.RefusedException.class, e -> assertThat(e.reason()).isEqualTo("invalid"));
    }

    @Test
    void provenanceOfAPrivateBuildIsHiddenLikeTheBuild() throws Exception {
        janitor.cancelEverythingLive();
        String tenant = Farm.tenant();
        String owner = Farm.token("maintainer", tenant);
        String name = Farm.unique("secretprov");
        long id = Farm.pushNew(owner, name, List.of(15)).get(15);
        TestWorker worker = new TestWorker(url.toURI(), Farm.token("worker"), "prov-p");
        for (TestWorker.Job job : worker.claim(1)) {
            TestWorker.expect(worker.succeed(job), 200);
        }
        RestAssured.given().get("/api/v1/builds/" + id + "/provenance").then().statusCode(404);
        as(Farm.token("maintainer")).get("/api/v1/builds/" + id + "/provenance").then().statusCode(404);
        as(owner).get("/api/v1/builds/" + id + "/provenance").then().statusCode(200);
    }
}
