package dev.extfarm.registry.bundle;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.blob.BlobInfo;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every refused upload leaves the blob store exactly as it was (the published keys and their bytes;
 * no temporaries) and the catalog without the bundle (issue 21, item 7: a control file named
 * {@code a b} got a 500 after the bundle had been published, and the bundle was then served
 * anonymously, unsigned and outside the catalog). Run on each blob store by a subclass
 * ({@link RefusedUploadsFilesystemTest}, {@link RefusedUploadsS3Test}), each with a store of its own.
 */
abstract class RefusedUploads {

    @Inject
    BlobStore store;
    String worker;

    @BeforeEach
    void seed() {
        worker = Api.token("worker", null);
        // the store is not empty: refusals must not touch what is there either
        var seed = Bundles.bundle(Bundles.uniqueName("seed"), "1.0", 17);
        as(worker).body(seed.bytes()).put(seed.path()).then().statusCode(201);
    }

    /** Published keys → sha-256 of their bytes. */
    Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (BlobInfo b : store.list("")) {
            try (InputStream in = store.open(b.key(), 0)) {
                out.put(b.key().path(), Digests.sha256(in));
            }
        }
        return out;
    }

    void refusedWithoutTrace(Bundles.Bundle b, Runnable upload) throws IOException {
        Map<String, String> before = snapshot();
        upload.run();
        assertThat(snapshot()).as("the blob store after the refused upload of " + b.name()).isEqualTo(before);
        assertThat(store.cleanTemporaries(Duration.ZERO)).as("temporaries left").isZero();
        given().get(b.path()).then().statusCode(404);
        as(ADMIN).get("/api/v1/extensions/" + b.name()).then().statusCode(404);
    }

    void refused422(Bundles.Bundle b, String type, String rule) throws IOException {
        refusedWithoutTrace(b, () -> {
            var r = as(worker).body(b.bytes()).put(b.path()).then().statusCode(422).contentType("application/problem+json")
                    .body("type", equalTo("/problems/" + type)).body("detail", containsString("nothing was stored"));
            if (rule != null) {
                r.body("rule", equalTo(rule));
            }
        });
    }

    @Test
    void controlFilesNamedOutsideTheRuleOrNotListedAreRefused() throws IOException {
        for (String control : new String[] {"a b", ".hidden", "é", "c".repeat(250)}) {
            for (boolean listed : new boolean[] {false, true}) {
                refused422(Bundles.unlistedControl(Bundles.uniqueName("ctl"), control, listed), "bundle-rejected", null);
            }
        }
        refused422(Bundles.unlistedControl(Bundles.uniqueName("ctl"), "fine_but_unlisted", false), "bundle-rejected", "manifest-invalid");
    }

    @Test
    void aManifestNamingAnotherBundleIsRefused() throws IOException {
        var b = Bundles.bundle(Bundles.uniqueName("named"), "1.0", 17);
        var elsewhere = new Bundles.Bundle(Bundles.uniqueName("elsewhere"), "1.0", 17, b.bytes(), b.sha256());
        refused422(elsewhere, "bundle-rejected", "name-mismatch");
    }

    @Test
    void bytesOfAnotherDigestAreRefused() throws IOException {
        var b = Bundles.bundle(Bundles.uniqueName("digest"), "1.0", 17);
        refusedWithoutTrace(b, () -> as(worker).body(b.bytes()).put(b.wrongPath()).then().statusCode(400)
                .body("type", equalTo("/problems/digest-mismatch")));
    }

    @Test
    void aBundleOverTheLimitIsRefusedWhetherItsLengthIsDeclaredOrStreamed() throws Exception {
        // %test.extfarm.bundle.max-size is 8 MiB
        var b = Bundles.bundle(Bundles.uniqueName("big"), "1.0", 17, 9 << 20);
        refusedWithoutTrace(b, () -> as(worker).body(b.bytes()).put(b.path()).then().statusCode(413)
                .body("type", equalTo("/problems/bundle-too-large")));
        refusedWithoutTrace(b, () -> {
            // chunked, no Content-Length: the limit fires while streaming
            HttpRequest put = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + b.path()))
                    .header("Authorization", "Bearer " + worker)
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(new ByteArrayInputStream(b.bytes()),
                            new ByteArrayInputStream(new byte[1 << 20])))).build();
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(413);
                assertThat(r.body()).contains("/problems/bundle-too-large");
            } catch (IOException e) {
                // the server may close the connection while the client still sends: refused all the same
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aBrokenOrHostileTarIsRefused() throws IOException {
        var whole = Bundles.bundle(Bundles.uniqueName("cut"), "1.0", 17);
        byte[] half = Arrays.copyOf(whole.bytes(), whole.bytes().length / 2 + 100);
        var truncated = new Bundles.Bundle(whole.name(), "1.0", 17, half, Digests.sha256(half));
        refused422(truncated, "bundle-rejected", "truncated");
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        refused422(new Bundles.Bundle(Bundles.uniqueName("noise"), "1.0", 17, noise, Digests.sha256(noise)), "bundle-rejected", null);
        refused422(Bundles.linkEscape(Bundles.uniqueName("escape")), "bundle-rejected", "link-escape");
        refused422(Bundles.manifestMismatch(Bundles.uniqueName("liar")), "bundle-rejected", "manifest-mismatch");
    }

    @Test
    void bundlesCarryingANameNotTheirsAreRefused() throws IOException {
        String owner = Bundles.uniqueName("owner");
        var first = Bundles.custom(owner).bundle();
        as(worker).body(first.bytes()).put(first.path()).then().statusCode(201);
        refused422(Bundles.custom(Bundles.uniqueName("shadow")).control(owner).bundle(), "extension-name-owned", null);
        refused422(Bundles.custom(Bundles.uniqueName("shadow")).unlistedLibrary(owner).bundle(), "extension-name-owned", null);
        refused422(Bundles.custom(Bundles.uniqueName("shadow")).control("plpgsql").unlistedLibrary("plpgsql").bundle(),
                "extension-name-reserved", null);
        refused422(Bundles.custom(Bundles.uniqueName("shadow")).unlistedLibrary("llvmjit").bundle(), "extension-name-reserved", null);
        refused422(Bundles.custom(Bundles.uniqueName("shadow")).file("share/extension/elsewhere--1.0.sql", "SELECT 1;").bundle(),
                "bundle-rejected", "script-without-control");
    }

    @Test
    void uploadsWithoutTheRightTokenAreRefused() throws IOException {
        var b = Bundles.bundle(Bundles.uniqueName("anon"), "1.0", 17);
        refusedWithoutTrace(b, () -> given().body(b.bytes()).put(b.path()).then().statusCode(401));
        String maintainer = Api.token("maintainer", null);
        refusedWithoutTrace(b, () -> as(maintainer).body(b.bytes()).put(b.path()).then().statusCode(403));
    }
}
