package dev.extfarm.registry.gc;

import dev.extfarm.protocol.ConsistencyReport;
import java.time.Instant;
import java.util.List;

/** The consistency report ({@link ConsistencyReport}) of a census of the blob store. */
final class ConsistencyReports {

    private ConsistencyReports() {
    }

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
