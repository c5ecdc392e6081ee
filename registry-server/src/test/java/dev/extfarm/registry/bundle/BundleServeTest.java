package dev.extfarm.registry.bundle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET/HEAD of bundles and control files: caching headers, conditional and range requests. */
@QuarkusTest
class BundleServeTest {

    Bundles.Bundle b;

    @BeforeEach
    void upload() {
        b = Bundles.bundle(Bundles.uniqueName("serve"), "2.1", 17, 50_000);
        Api.upload(Api.token("worker", null), b, 201);
    }

    String etag() {
        return "\"sha-256+" + b.sha256() + "\"";
    }

    @Test
    void getSendsTheBytesWithImmutableCaching() {
        byte[] got = given().get(b.path()).then().statusCode(200)
                .header("ETag", etag())
                .header("Cache-Control", "public, max-age=31536000, immutable")
                .header("Accept-Ranges", "bytes")
                .header("Content-Type", "application/x-tar")
                .header("Content-Length", String.valueOf(b.bytes().length))
                .extract().asByteArray();
        assertThat(got).isEqualTo(b.bytes());
    }

    @Test
    void headSendsTheHeadersOnly() {
        given().head(b.path()).then().statusCode(200).header("ETag", etag())
                .header("Content-Length", String.valueOf(b.bytes().length));
    }

    @Test
    void ifNoneMatchIs304() {
        given().header("If-None-Match", etag()).get(b.path()).then().statusCode(304).header("ETag", etag());
        given().header("If-None-Match", "\"other\", W/" + etag()).get(b.path()).then().statusCode(304);
        given().header("If-None-Match", "\"other\"").get(b.path()).then().statusCode(200);
    }

    @Test
    void rangesAre206() {
        int n = b.bytes().length;
        byte[] part = given().header("Range", "bytes=100-199").get(b.path()).then().statusCode(206)
                .header("Content-Range", "bytes 100-199/" + n).header("Content-Length", "100")
                .extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(b.bytes(), 100, 200));
        byte[] tail = given().header("Range", "bytes=-10").get(b.path()).then().statusCode(206)
                .header("Content-Range", "bytes " + (n - 10) + "-" + (n - 1) + "/" + n).extract().asByteArray();
        assertThat(tail).isEqualTo(Arrays.copyOfRange(b.bytes(), n - 10, n));
        byte[] open = given().header("Range", "bytes=" + (n - 5) + "-").get(b.path()).then().statusCode(206)
                .extract().asByteArray();
        assertThat(open).hasSize(5);
        given().header("Range", "bytes=0-" + (n + 1000)).get(b.path()).then().statusCode(206)
                .header("Content-Range", "bytes 0-" + (n - 1) + "/" + n);
        given().header("Range", "bytes=0-1,5-6").get(b.path()).then().statusCode(200);
        given().header("Range", "bytes=" + n + "-").head(b.path()).then().statusCode(416);
    }

    /**
     * Issue 25: the three serving paths read a range by one rule (BlobServing); these failed before
     * (a sign or a second '-' was read as part of a number, a position too large for a long made the
     * range ignored).
     */
    @Test
    void onlyValidByteRangesAreRangesAndHugeLastPositionsAreClamped() {
        int n = b.bytes().length;
        given().header("Range", "bytes=--5").get(b.path()).then().statusCode(200).header("Content-Length", String.valueOf(n));
        given().header("Range", "bytes=+5-9").get(b.path()).then().statusCode(200);
        given().header("Range", "bytes=0-99999999999999999999").get(b.path()).then().statusCode(206)
                .header("Content-Range", "bytes 0-" + (n - 1) + "/" + n);
        given().header("Range", "bytes=-0").get(b.path()).then().statusCode(416).header("Content-Range", "bytes */" + n);
    }

    @Test
    void aRangePastTheEndIs416() {
        int n = b.bytes().length;
        given().header("Range", "bytes=" + (n + 5) + "-" + (n + 10)).get(b.path()).then().statusCode(416)
                .header("Content-Range", "bytes */" + n).contentType("application/problem+json")
                .body("type", equalTo("/problems/range-not-satisfiable"));
    }

    @Test
    void theControlFileIsServedAlone() {
        given().get(b.controlPath()).then().statusCode(200)
                .contentType(containsString("text/plain"))
                .header("Cache-Control", "public, max-age=31536000, immutable")
                .body(containsString("default_version = '2.1'"));
    }

    @Test
    void unknownBundlesAre404AndMalformedPathsAre400() {
        given().get(b.wrongPath()).then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("/problems/bundle-not-found"));
        given().get("/extensions/" + b.name() + "/sha-256+" + b.sha256() + "/other.control").then().statusCode(404);
        given().get("/extensions/" + b.name() + "/sha-256+" + b.sha256() + "/secret.txt").then().statusCode(404);
        given().get("/extensions/UPPER/sha-256+" + b.sha256() + "/bundle.tar").then().statusCode(400)
                .contentType("application/problem+json").body("type", equalTo("/problems/invalid-name"));
        given().get("/extensions/" + b.name() + "/sha-256+abc/bundle.tar").then().statusCode(400)
                .body("type", equalTo("/problems/invalid-digest"));
    }

    @Test
    void metricsNameTheRouteTemplateNotTheAddress() {
        given().get(b.path()).then().statusCode(200);
        given().get(b.controlPath()).then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("uri=\"/extensions/{name}/{digest}/bundle.tar\"")
                .contains("uri=\"/extensions/{name}/{digest}/{extension}.control\"")
                .doesNotContain(b.sha256());
    }
}
