package dev.extfarm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.protocol.WorkerProtocol.BundleRef;
import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.CompleteRequest;
import dev.extfarm.protocol.WorkerProtocol.FailureReport;
import dev.extfarm.protocol.WorkerProtocol.StepTiming;
import dev.extfarm.protocol.WorkerProtocol.Verify;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerProtocolJsonTest {

    static final ObjectMapper JSON = Wire.mapper();

    @Test
    void aClaimedJobCarriesTheRecipeAsPushedAndTheWorkerReadsItBack() throws Exception {
        String recipe = "{\"files\":{\"recipe.yaml\":\"name: x\\n\"},  \"format\":1}";
        ClaimedJob job = new ClaimedJob(7, 42, Instant.parse("2026-01-01T00:00:00Z"), 90, 1, "x", "1.0", 17, "trixie-amd64",
                "sha256:" + "a".repeat(64), recipe, "b".repeat(64), null);

        String wire = JSON.writeValueAsString(job);

        assertThat(wire).contains("\"recipe\":" + recipe).contains("\"lease_token\":42").contains("\"pg_major\":17")
                .contains("\"lease_expires_at\":\"2026-01-01T00:00:00Z\"").doesNotContain("verify");
        ClaimedJob read = JSON.readValue(wire, ClaimedJob.class);
        assertThat(JSON.readTree(read.recipe())).isEqualTo(JSON.readTree(recipe));
        assertThat(read.leaseExpiresAt()).isEqualTo(job.leaseExpiresAt());
    }

    @Test
    void aReproducibilityJobNamesThePublishedBundle() throws Exception {
        String wire = "{\"id\":1,\"lease_token\":2,\"recipe\":{},\"verify\":{\"build_id\":3,\"sha256\":\"s\",\"address\":\"a\"},"
                + "\"a_field_of_a_newer_registry\":true}";

        assertThat(JSON.readValue(wire, ClaimedJob.class).verify()).isEqualTo(new Verify(3, "s", "a"));
    }

    @Test
    void aCompletionIsSnakeCaseWithoutTheFieldsItDoesNotUse() throws Exception {
        CompleteRequest done = CompleteRequest.of("w1", "sha256:" + "c".repeat(64), List.of(new StepTiming("build", 5)),
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:01:00Z"));

        JsonNode failed = JSON.valueToTree(done.farmFault(new FailureReport("fetch", "source-unavailable", "farm", 0, "gone"))
                .withLeaseToken(9));
        JsonNode succeeded = JSON.valueToTree(done.succeeded(new BundleRef("x", "d".repeat(64))));

        assertThat(failed.path("status").asText()).isEqualTo("farm-fault");
        assertThat(failed.path("lease_token").asLong()).isEqualTo(9);
        assertThat(failed.path("failure").path("exit_code").asInt()).isZero();
        assertThat(failed.path("started_at").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(failed.has("bundle")).isFalse();
        assertThat(succeeded.path("status").asText()).isEqualTo("succeeded");
        assertThat(succeeded.path("bundle").path("sha256").asText()).isEqualTo("d".repeat(64));
        assertThat(succeeded.has("failure")).isFalse();
        assertThat(succeeded.has("regress")).isFalse();
    }
}
