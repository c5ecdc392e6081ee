package dev.extfarm.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/admin/consistency}: whether the blob store and the database agree. {@code ok}
 * is true when no row lacks its blob ({@code missing_blobs}) and no blob lacks a row
 * ({@code orphan_blobs}: keys of a known layout that nothing refers to; the collector deletes them
 * once older than {@code extfarm.gc.grace}). Blobs that open work may still claim
 * ({@code in_flight}: open OCI upload sessions, logs being archived), unlinked OCI blobs awaiting
 * the OCI sweep ({@code pending_oci_garbage}) and keys of no known layout ({@code unknown_blobs},
 * never deleted) do not make it fail. snake_case like every other document (camelCase until issue 25).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConsistencyReport(boolean ok, Instant checkedAt, int blobs, int references, List<String> missingBlobs,
                                List<String> orphanBlobs, int inFlight, int pendingOciGarbage, List<String> unknownBlobs) {

    public ConsistencyReport {
        missingBlobs = missingBlobs == null ? List.of() : List.copyOf(missingBlobs);
        orphanBlobs = orphanBlobs == null ? List.of() : List.copyOf(orphanBlobs);
        unknownBlobs = unknownBlobs == null ? List.of() : List.copyOf(unknownBlobs);
    }
}
