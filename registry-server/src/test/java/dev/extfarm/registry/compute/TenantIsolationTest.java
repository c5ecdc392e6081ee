package dev.extfarm.registry.compute;

import static dev.extfarm.registry.support.Api.ADMIN;
import static dev.extfarm.registry.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.extfarm.registry.links.LinkSigner;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A private extension of tenant A: A's compute nodes get it with signed links; tenant B sees
 * nothing of it through any endpoint and cannot fetch it, with or without A's link.
 */
@QuarkusTest
class TenantIsolationTest {

    @Inject
    LinkSigner signer;

    String tenantA;
    String tenantB;
    String computeA;
    String computeB;
    Bundles.Bundle secret;
    Bundles.Bundle open;

    @BeforeEach
    void setUp() {
        tenantA = Api.tenant("a");
        tenantB = Api.tenant("b");
        computeA = Api.token("compute", tenantA);
        computeB = Api.token("compute", tenantB);
        secret = Bundles.bundle(Bundles.uniqueName("secret"), "1.0", 17);
        open = Bundles.bundle(Bundles.uniqueName("open"), "3.0", 17);
        Api.makePrivate(secret.name());
        Api.grant(tenantA, secret.name());
        String worker = Api.token("worker", null);
        Api.upload(worker, secret, 201);
        Api.upload(worker, open, 201);
    }

    Map<String, Object> entry(String computeToken, String name) {
        List<Map<String, Object>> entries = as(computeToken).queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM)
                .get("/api/v1/compute/spec").then().statusCode(200).extract().path("extensions");
        return entries.stream().filter(e -> name.equals(e.get("extension_name"))).findFirst().orElse(null);
    }

    /** The path and query of a link, so REST Assured sends it to the test server unchanged. */
    static String local(String link) {
        URI u = URI.create(link);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    @Test
    void theSpecHasTheExactFormatAndSignsOnlyPrivateLinks() {
        var spec = as(computeA).queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM)
                .get("/api/v1/compute/spec").then().statusCode(200)
                .body("meta_format", equalTo(1)).body("tenant", equalTo(tenantA)).body("pg_major", equalTo(17))
                .body("platform", equalTo(Bundles.PLATFORM))
                .extract().jsonPath();
        Instant generated = Instant.parse(spec.getString("generated_at"));
        assertThat(Instant.parse(spec.getString("expires_at"))).isEqualTo(generated.plusSeconds(15 * 60));
        var e = entry(computeA, secret.name());
        assertThat(e).containsOnlyKeys("extension_name", "version", "sha256", "size", "link", "control_link", "control",
                "signature_link", "extensions", "libraries", "requires", "shared_preload", "preload", "system_libraries", "updates");
        // issue 24: the update scripts the bundle carries (none here); "versions" only when newer versions exist
        assertThat(e).containsEntry("updates", Map.of(secret.name(), List.of()));
        assertThat(e).containsEntry("version", "1.0").containsEntry("sha256", secret.sha256())
                .containsEntry("size", secret.bytes().length).containsEntry("extensions", List.of(secret.name()))
                .containsEntry("system_libraries", List.of("libc.so.6")).containsEntry("shared_preload", false);
        assertThat((String) e.get("link")).contains(secret.path()).contains("?tenant=" + tenantA + "&exp=").contains("&sig=");
        assertThat((String) e.get("control_link")).contains(secret.controlPath()).contains("&sig=");
        // the control file inline, as served at control_link (phase 1 of a fetcher needs no request for it)
        assertThat((String) e.get("control")).isEqualTo(new String(
                given().get(local((String) e.get("control_link"))).then().statusCode(200).extract().asByteArray(),
                java.nio.charset.StandardCharsets.UTF_8)).contains("default_version");
        assertThat((String) e.get("signature_link")).contains(secret.path() + ".sig?").contains("&sig=");
        var o = entry(computeA, open.name());
        assertThat((String) o.get("link")).endsWith(open.path());
    }

    @Test
    void tenantAFetchesItsPrivateBundleThroughTheLink() {
        var e = entry(computeA, secret.name());
        byte[] got = given().get(local((String) e.get("link"))).then().statusCode(200)
                .header("Cache-Control", "private").extract().asByteArray();
        assertThat(got).isEqualTo(secret.bytes());
        given().get(local((String) e.get("control_link"))).then().statusCode(200);
        given().header("Range", "bytes=0-9").get(local((String) e.get("link"))).then().statusCode(206);
        as(computeA).get(local((String) e.get("link"))).then().statusCode(200);
    }

    @Test
    void tenantBSeesNothingOfIt() {
        assertThat(entry(computeB, secret.name())).isNull();
        assertThat(entry(computeB, open.name())).isNotNull();
        for (String token : new String[] {computeB, Api.token("maintainer", tenantB), Api.token("worker", null)}) {
            as(token).get("/api/v1/extensions").then().statusCode(200).body("items.name", not(hasItem(secret.name())));
            as(token).queryParam("q", secret.name()).get("/api/v1/extensions").then().statusCode(200).body("total", equalTo(0));
            as(token).get("/api/v1/extensions/" + secret.name()).then().statusCode(404);
            as(token).get(secret.path()).then().statusCode(404);
            as(token).get(secret.controlPath()).then().statusCode(404);
        }
        given().get("/api/v1/extensions").then().body("items.name", not(hasItem(secret.name())));
        given().queryParam("q", secret.name()).get("/api/v1/extensions").then().body("total", equalTo(0));
        given().get("/api/v1/extensions/" + secret.name()).then().statusCode(404);
        given().get(secret.path()).then().statusCode(404).contentType("application/problem+json");
        given().head(secret.path()).then().statusCode(404);
    }

    @Test
    void tenantBCannotUseALinkOfA() {
        String link = local((String) entry(computeA, secret.name()).get("link"));
        as(computeB).get(link).then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("/problems/link-other-tenant"));
        given().get(link.replace("tenant=" + tenantA, "tenant=" + tenantB)).then().statusCode(403)
                .body("type", equalTo("/problems/link-invalid"));
    }

    @Test
    void tamperedAndExpiredLinksAre403() {
        String link = local((String) entry(computeA, secret.name()).get("link"));
        String sig = link.substring(link.indexOf("&sig=") + 5);
        String flipped = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
        given().get(link.replace(sig, flipped)).then().statusCode(403).body("type", equalTo("/problems/link-invalid"));
        String exp = link.replaceAll(".*&exp=(\\d+).*", "$1");
        given().get(link.replace("exp=" + exp, "exp=" + (Long.parseLong(exp) + 3600))).then().statusCode(403)
                .body("type", equalTo("/problems/link-invalid"));
        String otherPath = link.replace(secret.path(), secret.controlPath());
        given().get(otherPath).then().statusCode(403);
        String expired = secret.path() + "?" + signer.query(secret.path(), tenantA, Instant.now().minusSeconds(1));
        given().get(expired).then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("/problems/link-expired"));
        given().get(secret.path() + "?tenant=" + tenantA).then().statusCode(403);
    }

    @Test
    void revokingTheGrantDisablesLinksAndTheSpecEntry() {
        String link = local((String) entry(computeA, secret.name()).get("link"));
        as(ADMIN).delete("/api/v1/admin/tenants/" + tenantA + "/grants/" + secret.name()).then().statusCode(200);
        given().get(link).then().statusCode(403).body("type", equalTo("/problems/link-revoked"));
        assertThat(entry(computeA, secret.name())).isNull();
    }

    @Test
    void adminsOwnersAndTheTenantSeeIt() {
        as(ADMIN).get("/api/v1/extensions/" + secret.name()).then().statusCode(200).body("visibility", equalTo("private"));
        as(ADMIN).get(secret.path()).then().statusCode(200).header("Cache-Control", "private");
        as(computeA).get("/api/v1/extensions/" + secret.name()).then().statusCode(200);
        as(computeA).queryParam("q", secret.name()).get("/api/v1/extensions").then().body("items.name", hasItem(secret.name()));
        String maintainer = Api.token("maintainer", null);
        as(maintainer).get("/api/v1/extensions/" + secret.name()).then().statusCode(404);
        as(ADMIN).put("/api/v1/admin/extensions/" + secret.name() + "/owners/" + Api.tokenId(maintainer)).then().statusCode(200);
        as(maintainer).get("/api/v1/extensions/" + secret.name()).then().statusCode(200);
        as(maintainer).get(secret.path()).then().statusCode(200);
    }

    @Test
    void anExtensionServedPubliclyCannotBecomePrivate() {
        as(ADMIN).contentType(ContentType.JSON).body(Map.of("visibility", "private"))
                .put("/api/v1/admin/extensions/" + open.name() + "/visibility")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("/problems/already-public"));
        given().get(open.path()).then().statusCode(200);
    }

    @Test
    void theSpecNeedsAComputeTokenAndValidParameters() {
        given().queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM).get("/api/v1/compute/spec").then().statusCode(401);
        as(ADMIN).queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM).get("/api/v1/compute/spec").then().statusCode(403);
        as(computeA).queryParam("platform", Bundles.PLATFORM).get("/api/v1/compute/spec").then().statusCode(400)
                .contentType("application/problem+json");
        as(computeA).queryParam("pg", 17).get("/api/v1/compute/spec").then().statusCode(400);
        as(computeA).queryParam("pg", 17).queryParam("platform", "nonsense").get("/api/v1/compute/spec").then().statusCode(400);
    }
}
