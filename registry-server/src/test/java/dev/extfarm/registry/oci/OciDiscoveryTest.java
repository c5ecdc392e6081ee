package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The conformance suite's content-discovery workflow: tag lists with pagination, referrers, the catalog. */
@QuarkusTest
class OciDiscoveryTest {

    @Test
    void tagListsPageWithNAndLastAndALinkHeader() {
        String repo = Oci.repo("tags");
        byte[] m = Oci.image(repo, "test0", 20);
        for (String t : List.of("test1", "test2", "test3", "a", "B")) {
            Oci.putManifest(repo, t, Oci.MANIFEST, m).then().statusCode(201);
        }
        List<String> all = Oci.admin().get("/v2/" + repo + "/tags/list").then().statusCode(200)
                .body("name", equalTo(repo)).extract().path("tags");
        assertThat(all).containsExactly("B", "a", "test0", "test1", "test2", "test3");
        var first = Oci.admin().queryParam("n", 3).get("/v2/" + repo + "/tags/list").then().statusCode(200)
                .header("Link", "</v2/" + repo + "/tags/list?n=3&last=test0>; rel=\"next\"").extract();
        assertThat(first.<List<String>>path("tags")).containsExactly("B", "a", "test0");
        var next = Oci.admin().queryParam("n", 3).queryParam("last", "test0").get("/v2/" + repo + "/tags/list").then()
                .statusCode(200).extract();
        assertThat(next.<List<String>>path("tags")).containsExactly("test1", "test2", "test3");
        assertThat(next.header("Link")).isNull();
        assertThat(Oci.admin().queryParam("n", 0).get("/v2/" + repo + "/tags/list").then().statusCode(200)
                .extract().<List<String>>path("tags")).isEmpty();
        Oci.admin().get("/v2/" + Oci.repo("nosuch") + "/tags/list").then().statusCode(404).body("errors[0].code", equalTo("NAME_UNKNOWN"));
    }

    @Test
    void referrersListTheManifestsWhoseSubjectIsTheDigest() {
        String repo = Oci.repo("refs");
        byte[] emptyJson = "{}".getBytes();
        Oci.pushBlob(repo, emptyJson);
        byte[] refBlobA = "NHL Peanut Butter on my NHL bagel".getBytes();
        byte[] refBlobB = "NBA Strawberry Jam on my NBA croissant".getBytes();
        Oci.pushBlob(repo, refBlobA);
        Oci.pushBlob(repo, refBlobB);
        byte[] subject = Oci.image(repo, "tagtest0", 21);
        ObjectNode subjectDescriptor = Oci.descriptor(Oci.MANIFEST, subject);
        String typeA = "application/vnd.nhl.peanut.butter.bagel";
        String typeB = "application/vnd.nba.strawberry.jam.croissant";
        // artifact with config.mediaType = artifactType, pushed before its subject exists elsewhere: fine
        byte[] a = referrer(Oci.descriptor(typeA, refBlobA), null, emptyJson, null, subjectDescriptor, "test config a");
        byte[] b = referrer(Oci.descriptor(typeB, refBlobB), null, emptyJson, null, subjectDescriptor, "test config b");
        byte[] c = referrer(Oci.descriptor("application/vnd.oci.empty.v1+json", emptyJson), typeA, refBlobA, typeA,
                subjectDescriptor, "test layer a");
        for (byte[] m : List.of(a, b, c)) {
            Oci.putManifest(repo, Oci.sha256(m), Oci.MANIFEST, m).then().statusCode(201).header("OCI-Subject", Oci.sha256(subject));
        }
        ObjectNode index = Oci.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", Oci.INDEX)
                .put("artifactType", "application/vnd.food.stand");
        index.putArray("manifests").add(Oci.descriptor(Oci.MANIFEST, a)).add(Oci.descriptor(Oci.MANIFEST, c));
        index.set("subject", subjectDescriptor);
        index.putObject("annotations").put("org.opencontainers.conformance.test", "test index");
        byte[] idx = Oci.bytes(index);
        Oci.putManifest(repo, Oci.sha256(idx), Oci.INDEX, idx).then().statusCode(201).header("OCI-Subject", Oci.sha256(subject));

        var all = Oci.admin().get("/v2/" + repo + "/referrers/" + Oci.sha256(subject)).then().statusCode(200)
                .contentType(Oci.INDEX).body("schemaVersion", equalTo(2)).extract();
        List<Map<String, Object>> manifests = all.path("manifests");
        assertThat(manifests).hasSize(4);
        assertThat(manifests).extracting(x -> x.get("digest"))
                .containsExactlyInAnyOrder(Oci.sha256(a), Oci.sha256(b), Oci.sha256(c), Oci.sha256(idx));
        assertThat(manifests).allSatisfy(x -> assertThat((Map<?, ?>) x.get("annotations")).hasSize(1));
        assertThat(manifests).filteredOn(x -> x.get("digest").equals(Oci.sha256(idx)))
                .singleElement().satisfies(x -> assertThat(x.get("artifactType")).isEqualTo("application/vnd.food.stand"));

        var filtered = Oci.admin().queryParam("artifactType", typeA).get("/v2/" + repo + "/referrers/" + Oci.sha256(subject))
                .then().statusCode(200).header("OCI-Filters-Applied", "artifactType").extract();
        assertThat(filtered.<List<String>>path("manifests.digest")).containsExactlyInAnyOrder(Oci.sha256(a), Oci.sha256(c));

        // a subject that was never pushed: 200 with the one referrer pointing at it
        byte[] ghost = "{\"schemaVersion\":2}".getBytes();
        byte[] d = referrer(Oci.descriptor("application/vnd.oci.empty.v1+json", emptyJson), typeB, refBlobB, typeB,
                Oci.descriptor(Oci.MANIFEST, ghost), "ghost");
        Oci.putManifest(repo, Oci.sha256(d), Oci.MANIFEST, d).then().statusCode(201);
        assertThat(Oci.admin().get("/v2/" + repo + "/referrers/" + Oci.sha256(ghost)).then().statusCode(200)
                .extract().<List<String>>path("manifests.digest")).containsExactly(Oci.sha256(d));
        // nothing refers to a random digest: an empty index
        assertThat(Oci.admin().get("/v2/" + repo + "/referrers/" + Oci.sha256("hello world".getBytes())).then().statusCode(200)
                .contentType(Oci.INDEX).extract().<List<Object>>path("manifests")).isEmpty();
    }

    static byte[] referrer(ObjectNode config, String artifactType, byte[] layer, String layerType, ObjectNode subject, String note) {
        ObjectNode m = Oci.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", Oci.MANIFEST);
        if (artifactType != null) {
            m.put("artifactType", artifactType);
        }
        m.set("config", config);
        m.putArray("layers").add(Oci.descriptor(layerType == null ? "application/vnd.oci.empty.v1+json" : layerType, layer));
        m.set("subject", subject);
        m.putObject("annotations").put("org.opencontainers.conformance.test", note);
        return Oci.bytes(m);
    }

    @Test
    void theCatalogListsRepositoriesAndPages() {
        String prefix = "zzcat" + System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Oci.image("extensions/" + prefix + "_" + i, "v", 30 + i);
        }
        List<String> all = Oci.admin().queryParam("n", 1000).get("/v2/_catalog").then().statusCode(200)
                .extract().path("repositories");
        assertThat(all).contains("extensions/" + prefix + "_0", "extensions/" + prefix + "_1", "extensions/" + prefix + "_2");
        assertThat(all).isSorted();
        var page = Oci.admin().queryParam("n", 1).queryParam("last", "extensions/" + prefix + "_0").get("/v2/_catalog")
                .then().statusCode(200).extract();
        assertThat(page.<List<String>>path("repositories")).containsExactly("extensions/" + prefix + "_1");
        assertThat(page.header("Link")).isEqualTo("</v2/_catalog?n=1&last=extensions%2F" + prefix + "_1>; rel=\"next\"");
    }
}
