package dev.extfarm.registry.gc;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;

/**
 * Whether the blob store and the database agree. {@code ok} is true when no row lacks its blob
 * ({@code missingBlobs}) and no blob lacks a row ({@code orphanBlobs}: keys of a known layout that
 * nothing refers to; the collector deletes them once older than {@code extfarm.gc.grace}). Blobs
 * that open work may still claim ({@code inFlight}: open OCI upload sessions, logs being
 * archived), unlinked OCI blobs awaiting the OCI sweep ({@code pendingOciGarbage}) and keys of no
 * known layout ({@code unknownBlobs}, never deleted) do not make it fail. Names are camelCase, as
 * the fault suites read them.
 */
@JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record ConsistencyReport(boolean ok, Instant checkedAt, int blobs, int references, List<String> missingBlobs,
                                List<String> orphanBlobs, int inFlight, int pendingOciGarbage, List<String> unknownBlobs) {

    static ConsistencyReport of(BlobCensus.Result census) {
        List<String> orphans = keys(census, BlobUse.ORPHAN);
        return new ConsistencyReport(census.missing().isEmpty() && orphans.isEmpty(), Instant.now(), census.blobs(),
                census.references(), census.missing(), orphans, keys(census, BlobUse.IN_FLIGHT).size(),
                keys(census, BlobUse.OCI_GARBAGE).size(), keys(census, BlobUse.UNKNOWN));
    }

    private static List<String> keys(BlobCensus.Result census, BlobUse use) {
        return census.unreferenced().stream().filter(u -> u.use() == use).map(u -> u.blob().key().path()).toList();
    }
}
