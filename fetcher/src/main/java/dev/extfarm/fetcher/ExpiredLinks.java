package dev.extfarm.fetcher;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.protocol.ComputeSpec;

/**
 * The registry's links expire ({@code link-expired}, HTTP 403) a while after the spec that holds
 * them was read. A step that follows one of an entry's links (its signature, the bundle) runs
 * through {@link #follow}: it gets the entry of the spec read last (a step before it may have read
 * a fresh one), and when the link has expired all the same, one fresh spec is read and the step
 * runs once more with the entry it holds for the same bundle and sha-256. A spec source that issues
 * no links (a file) and every other failure pass unchanged.
 */
final class ExpiredLinks {

    /** One step that follows a link of the entry; the spec is the one the entry comes from. */
    interface Step<T> {
        T run(ComputeSpec spec, ComputeSpec.Entry entry) throws FetchException;
    }

    private final SpecHolder specs;
    private final boolean renewable;
    private final Log log;

    /** {@code renewable}: the spec source hands out links a fresh spec renews (the registry does, a file does not). */
    ExpiredLinks(SpecHolder specs, boolean renewable, Log log) {
        this.specs = specs;
        this.renewable = renewable;
        this.log = log;
    }

    <T> T follow(ComputeSpec.Entry e, Step<T> step) throws FetchException {
        ComputeSpec spec = specs.current();
        try {
            return step.run(spec, spec.find(e.name(), e.sha256()).orElse(e));
        } catch (FetchException expired) {
            if (!expired.code().equals("link-expired") || !renewable) {
                throw expired;
            }
            log.info(e.label() + ": the link expired; reading a fresh spec");
            ComputeSpec fresh;
            try {
                fresh = specs.reload();
            } catch (FetchException again) {
                throw new FetchException(expired.kind(), expired.code(), expired.getMessage() + "; and a fresh spec could not be read: "
                        + again.getMessage(), expired);
            }
            ComputeSpec.Entry renewed = fresh.find(e.name(), e.sha256()).orElseThrow(() -> expired);
            return step.run(fresh, renewed);
        }
    }
}
