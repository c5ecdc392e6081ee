package dev.extfarm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.protocol.Catalog.ExtensionDetail;
import dev.extfarm.protocol.Catalog.ExtensionPage;
import org.junit.jupiter.api.Test;

/** The catalog's documents as the registry writes them read into the records and written back byte for byte. */
class CatalogJsonTest {

    static final ObjectMapper JSON = Wire.mapper();

    @Test
    void aPageOfTheSearchReadsAndWritesBackTheSame() throws Exception {
        String wire = "{\"items\":[{\"name\":\"pgaudit\",\"description\":null,\"visibility\":\"public\","
                + "\"latest_version\":\"17.1\",\"pg_majors\":[17,15],\"platforms\":[\"bookworm-amd64\",\"trixie-amd64\"],"
                + "\"licenses\":[\"PostgreSQL\"],\"latest_version_by_major\":{\"17\":\"17.1\",\"15\":\"1.7.1\"}}],"
                + "\"page\":1,\"size\":20,\"total\":1}";

        ExtensionPage page = JSON.readValue(wire, ExtensionPage.class);

        assertThat(page.items().get(0).latestVersionByMajor()).containsEntry(15, "1.7.1");
        assertThat(JSON.writeValueAsString(page)).isEqualTo(wire);
    }

    @Test
    void anExtensionWithItsBundlesReadsAndWritesBackTheSame() throws Exception {
        String bundle = "{\"address\":\"/extensions/vector/sha-256+" + "a".repeat(64) + "/bundle.tar\",\"sha256\":\""
                + "a".repeat(64) + "\",\"size\":12345,\"pg_major\":17,\"platform\":\"trixie-amd64\",\"version\":\"0.8.0\","
                + "\"default_version\":\"0.8.0\",\"extensions\":[\"vector\"],\"requires\":[],\"libraries\":[\"vector\"],"
                + "\"system_libraries\":[\"libc.so.6\"],\"bundled_libraries\":[],\"shared_preload\":false,\"preload\":false,"
                + "\"license\":\"PostgreSQL\",\"review_state\":\"approved\",\"uploaded_at\":\"2026-12-07T22:36:22.123456Z\",";
        String built = bundle + "\"last_build\":{\"id\":7,\"status\":\"succeeded\",\"version\":\"0.8.0\",\"recipe_revision\":\"r1\","
                + "\"finished_at\":\"2026-12-07T22:30:00Z\",\"url\":\"/api/v1/builds/7\",\"regress\":{\"run\":3,\"passed\":2,"
                + "\"failed\":1,\"known_failures\":{\"hnsw\":\"flaky upstream\"}}},"
                + "\"floors\":{\"built_against\":\"17.2\",\"glibc\":null,\"server_symbol_count\":212}}";
        String old = bundle.replace("\"review_state\":\"approved\"", "\"review_state\":\"pending-review\"")
                + "\"last_build\":null,\"floors\":null}";
        String wire = "{\"name\":\"vector\",\"description\":\"vector similarity search\",\"visibility\":\"private\","
                + "\"versions\":[{\"version\":\"0.8.0\",\"bundles\":[" + built + "," + old + "]}]}";

        ExtensionDetail detail = JSON.readValue(wire, ExtensionDetail.class);

        assertThat(detail.privateExtension()).isTrue();
        assertThat(detail.versions().get(0).bundles()).extracting(Catalog.BundleEntry::approved).containsExactly(true, false);
        assertThat(JSON.writeValueAsString(detail)).isEqualTo(wire);
    }

    @Test
    void aBundleOfARegistryOlderThanReviewCountsAsApproved() throws Exception {
        Catalog.BundleEntry b = JSON.readValue("{\"sha256\":\"s\",\"pg_major\":15,\"a_newer_field\":1}", Catalog.BundleEntry.class);

        assertThat(b.approved()).isTrue();
        assertThat(b.extensions()).isEmpty();
    }
}
