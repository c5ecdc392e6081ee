package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.Header;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A caller who may not see a private extension gets exactly the answers an unknown name gets
 * (issue 21, item 9): the same status, error code, message, detail and headers, for manifests,
 * blobs, tag lists, referrers and uploads. Compared answer by answer, with the two names (of the
 * same length) swapped for a placeholder.
 */
@QuarkusTest
class OciHiddenNamesTest {

    @Inject
    OciMaintenance maintenance;

    /** What a client sees: status, body and headers (minus the date), with the name replaced. */
    record Answer(int status, String body, Map<String, String> headers) {
        static Answer of(Response r, String name) {
            Map<String, String> h = new TreeMap<>();
            for (Header header : r.headers()) {
                if (!header.getName().equalsIgnoreCase("Date")) {
                    h.merge(header.getName().toLowerCase(java.util.Locale.ROOT), header.getValue().replace(name, "NAME"), (a, b) -> a + ", " + b);
                }
            }
            return new Answer(r.statusCode(), r.asString().replace(name, "NAME"), h);
        }
    }

    record Call(String method, String path, String contentType, byte[] body) {
        Response send(RequestSpecification as, String repo) {
            RequestSpecification s = as;
            if (contentType != null) {
                s = s.contentType(contentType);
            }
            if (body != null) {
                s = s.body(body);
            }
            return s.request(method, "/v2/" + repo + path);
        }
    }

    @Test
    void aNameTheCallerMayNotSeeAnswersLikeAnUnknownName() throws Exception {
        String hidden = Bundles.uniqueName("hidden");
        String unknown = Bundles.uniqueName("nosuch");
        assertThat(hidden).hasSameSizeAs(unknown);
        Api.makePrivate(hidden);
        BundleImagesTest.Packed p = BundleImagesTest.pack(hidden, "1.0", "debian-12-amd64-glibc", 301);
        BundleImagesTest.upload(p);
        maintenance.backfill();
        BundleImage img = p.image();
        Oci.admin().get("/v2/" + img.repository() + "/manifests/" + img.platformTag().orElseThrow()).then().statusCode(200);

        String octets = "application/octet-stream";
        String session = UUID.randomUUID().toString();
        List<Call> calls = new ArrayList<>();
        for (String method : List.of("GET", "HEAD")) {
            for (String ref : List.of(img.platformTag().orElseThrow(), img.movingTag(), img.manifestDigest(), "latest")) {
                calls.add(new Call(method, "/manifests/" + ref, null, null));
            }
            for (String blob : List.of("sha256:" + p.sha256(), img.configDigest(), "sha256:" + "0".repeat(64), "sha256:nothex")) {
                calls.add(new Call(method, "/blobs/" + blob, null, null));
            }
        }
        calls.add(new Call("GET", "/tags/list", null, null));
        calls.add(new Call("GET", "/tags/list?n=1&last=a", null, null));
        calls.add(new Call("GET", "/referrers/" + img.manifestDigest(), null, null));
        calls.add(new Call("GET", "/referrers/" + img.manifestDigest() + "?artifactType=" + SignatureArtifacts.ARTIFACT_TYPE, null, null));
        calls.add(new Call("POST", "/blobs/uploads/", null, null));
        calls.add(new Call("POST", "/blobs/uploads/?digest=" + Oci.sha256(new byte[] {1}), octets, new byte[] {1}));
        calls.add(new Call("GET", "/blobs/uploads/" + session, null, null));
        calls.add(new Call("PATCH", "/blobs/uploads/" + session, octets, new byte[] {1}));
        calls.add(new Call("PUT", "/blobs/uploads/" + session + "?digest=" + Oci.sha256(new byte[] {1}), octets, new byte[] {1}));
        calls.add(new Call("DELETE", "/blobs/uploads/" + session, null, null));
        calls.add(new Call("PUT", "/manifests/" + img.platformTag().orElseThrow(), Oci.MANIFEST, img.manifest()));
        calls.add(new Call("DELETE", "/manifests/" + img.manifestDigest(), null, null));
        calls.add(new Call("DELETE", "/blobs/sha256:" + p.sha256(), null, null));

        String tenant = Api.tenant("hid");
        String otherTenant = Api.tenant("hid");
        Api.grant(tenant, hidden);
        String compute = Api.token("compute", otherTenant);
        String maintainer = Api.token("maintainer", null);
        Map<String, Supplier<RequestSpecification>> outsiders = Map.of(
                "anonymous", Oci::anonymous,
                "anonymous token", () -> Oci.anonymous().header("Authorization", "Bearer anonymous"),
                "compute token of another tenant", () -> Oci.basic(compute),
                "maintainer who does not own it", () -> Oci.basic(maintainer));
        int compared = 0;
        for (var who : outsiders.entrySet()) {
            for (Call c : calls) {
                Answer forHidden = Answer.of(c.send(who.getValue().get(), "extensions/" + hidden), hidden);
                Answer forUnknown = Answer.of(c.send(who.getValue().get(), "extensions/" + unknown), unknown);
                assertThat(forHidden).as(who.getKey() + ": " + c.method() + " " + c.path()).isEqualTo(forUnknown);
                assertThat(forHidden.status()).as(c.method() + " " + c.path()).isGreaterThanOrEqualTo(400);
                compared++;
            }
        }
        assertThat(compared).isEqualTo(outsiders.size() * calls.size());

        // the tenant it is granted to does see it
        Oci.basic(Api.token("compute", tenant)).get("/v2/" + img.repository() + "/manifests/" + img.platformTag().orElseThrow())
                .then().statusCode(200);
    }

    @Test
    void aMountFromAHiddenNameFallsBackLikeAMountFromAnUnknownName() throws Exception {
        String hidden = Bundles.uniqueName("hidden");
        String unknown = Bundles.uniqueName("nosuch");
        Api.makePrivate(hidden);
        BundleImagesTest.Packed priv = BundleImagesTest.pack(hidden, "1.0", "debian-12-amd64-glibc", 302);
        BundleImagesTest.upload(priv);
        BundleImagesTest.Packed pub = BundleImagesTest.pack(Bundles.uniqueName("target"), "1.0", "debian-12-amd64-glibc", 303);
        BundleImagesTest.upload(pub);
        maintenance.backfill();
        String worker = Api.token("worker", null);
        for (String from : List.of(hidden, unknown)) {
            Response r = Oci.as(worker).queryParam("mount", "sha256:" + priv.sha256()).queryParam("from", "extensions/" + from)
                    .post("/v2/" + pub.image().repository() + "/blobs/uploads/");
            assertThat(r.statusCode()).as(from).isEqualTo(202);
            assertThat(r.header("Location")).startsWith("/v2/" + pub.image().repository() + "/blobs/uploads/");
        }
    }
}
