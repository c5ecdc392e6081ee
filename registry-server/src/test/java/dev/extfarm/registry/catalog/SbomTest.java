package dev.extfarm.registry.catalog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SBOM a bundle carries is served on its own (the web UI links it), under the extension's visibility. */
@QuarkusTest
class SbomTest {

    static final String SBOM = "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"test\"}\n";

    @Test
    void theSbomOfABundleIsServedAndAPrivateOneOnlyToThoseWhoMaySeeIt() throws Exception {
        String name = Bundles.uniqueName("sbom");
        String sha = upload(name);
        byte[] body = given().get("/api/v1/extensions/" + name + "/bundles/" + sha + "/sbom").then().statusCode(200)
                .contentType("application/spdx+json").extract().asByteArray();
        assertThat(new String(body)).isEqualTo(SBOM);
        given().get("/api/v1/extensions/" + name + "/bundles/" + "0".repeat(64) + "/sbom").then().statusCode(404)
                .contentType("application/problem+json");

        String hidden = Bundles.uniqueName("sbomprivate");
        Api.makePrivate(hidden);
        String hiddenSha = upload(hidden);
        given().get("/api/v1/extensions/" + hidden + "/bundles/" + hiddenSha + "/sbom").then().statusCode(404);
        Api.as(Api.ADMIN).get("/api/v1/extensions/" + hidden + "/bundles/" + hiddenSha + "/sbom").then().statusCode(200);
    }

    static String upload(String name) throws Exception {
        Path tree = Files.createTempDirectory("sbom-tree");
        Files.createDirectories(tree.resolve("share/extension"));
        Files.writeString(tree.resolve("share/extension/" + name + ".control"), "default_version = '1.0'\n");
        Files.writeString(tree.resolve("share/extension/" + name + "--1.0.sql"), "SELECT 1;\n");
        Files.writeString(tree.resolve("sbom.spdx.json"), SBOM);
        BundleManifest m = BundleManifest.builder().name(name).version("1.0").pgMajor(15).platform(Platform.parse(Bundles.PLATFORM))
                .defaultVersion("1.0").extensions(List.of(name)).license("MIT").sbom("sbom.spdx.json").build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BundleWriter.Packed p = BundleWriter.pack(tree, m, 1_700_000_000L, out);
        Api.as(Api.token("worker", null)).body(out.toByteArray()).put("/extensions/" + name + "/sha-256+" + p.sha256() + "/bundle.tar")
                .then().statusCode(201);
        return p.sha256();
    }
}
