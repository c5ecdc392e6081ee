package dev.extfarm.registry.bundle;

import static dev.extfarm.registry.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code extfarm.edge.public-url}, compute specs send nodes to the bundle edge for public
 * bytes, and keep private bundles on the main port with signed links.
 */
@QuarkusTest
@TestProfile(EdgeComputeSpecTest.WithEdgeUrl.class)
class EdgeComputeSpecTest {

    public static class WithEdgeUrl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int port = freePort(); // the profile is made in another class loader than the test: read the port back via the edge
            return Map.of("extfarm.edge.port", String.valueOf(port), "extfarm.edge.public-url", "http://127.0.0.1:" + port + "/");
        }
    }

    @jakarta.inject.Inject
    BundleEdge edgeServer;

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void publicLinksPointAtTheEdgeAndPrivateOnesStayOnTheMainPortSigned() throws Exception {
        String tenant = Api.tenant("edge");
        String compute = Api.token("compute", tenant);
        Bundles.Bundle open = Bundles.bundle(Bundles.uniqueName("edgeopen"), "1.0", 17);
        Bundles.Bundle secret = Bundles.bundle(Bundles.uniqueName("edgesecret"), "1.0", 17);
        Api.makePrivate(secret.name());
        Api.grant(tenant, secret.name());
        String worker = Api.token("worker", null);
        Api.upload(worker, open, 201);
        Api.upload(worker, secret, 201);

        List<Map<String, Object>> entries = as(compute).queryParam("pg", 17).queryParam("platform", Bundles.PLATFORM)
                .get("/api/v1/compute/spec").then().statusCode(200).extract().path("extensions");
        Map<String, Object> o = entries.stream().filter(e -> open.name().equals(e.get("extension_name"))).findFirst().orElseThrow();
        Map<String, Object> p = entries.stream().filter(e -> secret.name().equals(e.get("extension_name"))).findFirst().orElseThrow();
        String edge = "http://127.0.0.1:" + edgeServer.port();
        assertThat((String) o.get("link")).isEqualTo(edge + open.path());
        assertThat((String) o.get("control_link")).isEqualTo(edge + open.controlPath());
        assertThat((String) o.get("signature_link")).isEqualTo(edge + open.path() + ".sig");
        assertThat((String) p.get("link")).doesNotStartWith(edge).contains(secret.path() + "?").contains("sig=");

        HttpClient http = HttpClient.newHttpClient();
        var fromEdge = http.send(HttpRequest.newBuilder(URI.create((String) o.get("link"))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fromEdge.statusCode()).isEqualTo(200);
        assertThat(fromEdge.body()).isEqualTo(open.bytes());
        var fromMain = http.send(HttpRequest.newBuilder(URI.create((String) p.get("link"))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fromMain.statusCode()).isEqualTo(200);
        assertThat(fromMain.body()).isEqualTo(secret.bytes());
    }
}
