package dev.extfarm.registry.recipe;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.extfarm.registry.builds.Farm;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, item 3: a recipe whose source URL leads to the registry's host, its network or its
 * files is refused at push (422, the problem type names the rule) and nothing is stored or queued.
 * The allow list is empty here, as it is by default.
 */
@QuarkusTest
class SourceAddressPushTest {

    @TestHTTPResource("/")
    URL registry;

    static String recipe(String name, String url) {
        return Farm.recipeYaml(name, "1.0.0", List.of(15), "a").replace("https://example.org/" + name + "-1.0.0.tar.gz", url);
    }

    void refused(String url, String rule) {
        String maintainer = Farm.token("maintainer");
        String name = Farm.unique("egress");
        JsonPath p = Farm.push(maintainer, Farm.transport(recipe(name, url))).then().statusCode(422)
                .contentType("application/problem+json").body("type", equalTo("/problems/" + rule))
                .extract().jsonPath();
        assertThat(p.getString("detail")).as(url).contains("source.url");
        as(maintainer).get("/api/v1/recipes/" + name).then().statusCode(404);
        as(ADMIN).queryParam("extension", name).get("/api/v1/builds").then().body("total", equalTo(0));
        as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(404);
    }

    @Test
    void fileUrlsAreRefusedWhateverTheyName() {
        Path data = Path.of(ConfigProvider.getConfig().getValue("extfarm.data-dir", String.class)).toAbsolutePath();
        for (String url : List.of("file:///etc/shadow", data.resolve("admin-token").toUri().toString(),
                data.resolve("signing/farm.jwk").toUri().toString(), "file://localhost/etc/passwd", "file:/proc/self/environ")) {
            refused(url, "source-url-scheme");
        }
        JsonPath p = Farm.push(Farm.token("maintainer"), Farm.transport(recipe(Farm.unique("egress"), "file:///etc/shadow")))
                .then().statusCode(422).extract().jsonPath();
        assertThat(p.getString("errors[0].rule")).isEqualTo("source-url-scheme");
        assertThat(p.getString("errors[0].message")).contains("source mirror");
    }

    @Test
    void theRegistryItsHostAndItsNetworkAreRefused() {
        int port = registry.getPort();
        for (String url : List.of(
                "http://127.0.0.1:" + port + "/api/v1/admin/tokens",
                "http://127.0.0.1:" + port + "/q/metrics",
                "http://localhost:" + port + "/api/v1/keys",
                "http://[::1]:" + port + "/q/metrics",
                "http://[::ffff:127.0.0.1]:" + port + "/q/metrics",
                "http://[64:ff9b::7f00:1]:" + port + "/",
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "http://[fd00:ec2::254]/latest/meta-data/",
                "http://10.0.0.1/x.tar.gz", "http://192.168.0.1/x.tar.gz", "http://100.64.0.1/x.tar.gz",
                "http://0.0.0.0:" + port + "/", "http://224.0.0.251/")) {
            refused(url, "source-address-forbidden");
        }
        for (String url : List.of("http://2130706433:" + port + "/", "http://0177.0.0.1:" + port + "/", "http://127.1:" + port + "/")) {
            refused(url, "source-url-host");
        }
        refused("https://maintainer:hunter2@example.org/x.tar.gz", "source-url-userinfo");
    }

    @Test
    void theRefusalSaysWhatTheAddressIsAndWhoCanAllowIt() {
        Farm.push(Farm.token("maintainer"), Farm.transport(recipe(Farm.unique("egress"), "http://169.254.169.254/latest/")))
                .then().statusCode(422)
                .body("detail", containsString("169.254.169.254 is a link-local address (169.254.0.0/16)"))
                .body("detail", containsString("EXTFARM_SOURCE_ALLOW=169.254.169.254:80"))
                .body("field", equalTo("source.url")).body("rule", equalTo("source-address-forbidden"));
    }

    @Test
    void aVariantsSourceIsCheckedLikeTheTopLevelOne() {
        String name = Farm.unique("egress");
        String yaml = Farm.recipeYaml(name, "1.0.0", List.of(15, 17), "v")
                + "variants:\n  - pg: [17]\n    version: 2.0.0\n    source:\n      url: http://169.254.169.254/latest/x.tar.gz\n"
                + "      sha256: " + "ab".repeat(32) + "\n";
        Farm.push(Farm.token("maintainer"), Farm.transport(yaml)).then().statusCode(422)
                .body("type", equalTo("/problems/source-address-forbidden"));
        as(ADMIN).get("/api/v1/extensions/" + name).then().statusCode(404);
    }

    @Test
    void aPublicNameIsAccepted() {
        // example.org may or may not resolve from here: either way it is not refused
        Farm.push(Farm.token("maintainer"), Farm.transport(recipe(Farm.unique("egress"), "https://example.org/x-1.0.tar.gz")))
                .then().statusCode(201);
    }
}
