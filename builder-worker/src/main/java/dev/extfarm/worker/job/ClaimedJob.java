package dev.extfarm.worker.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** One job handed out by {@code POST /api/v1/jobs/claim}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClaimedJob(
        long id,
        @JsonProperty("lease_token") long leaseToken,
        @JsonProperty("lease_ttl_seconds") long leaseTtlSeconds,
        int attempt,
        String extension,
        String version,
        @JsonProperty("pg_major") int pgMajor,
        String platform,
        @JsonProperty("recipe_revision") String recipeRevision,
        JsonNode recipe,
        @JsonProperty("source_sha256") String sourceSha256,
        Verify verify) {

    /** In a reproducibility job: the published bundle its rebuild is compared with (docs/queue.md#reproducibility). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Verify(@JsonProperty("build_id") long buildId, String sha256, String address) {
    }
}
