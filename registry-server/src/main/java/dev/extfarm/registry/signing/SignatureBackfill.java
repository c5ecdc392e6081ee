package dev.extfarm.registry.signing;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Signs the bundles that have no signature by a configured key: those stored before the registry
 * signed anything, those whose signing failed on upload, and those signed by a key that was
 * dropped from the configuration (rotation). Idempotent, so every replica may run it.
 */
@ApplicationScoped
public class SignatureBackfill {

    @Inject
    BundleSigner signer;
    @Inject
    SigningConfig config;

    @Scheduled(every = "${extfarm.signing.backfill.every:60s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        run();
    }

    /** One batch; returns how many bundles were signed. */
    public synchronized int run() {
        int signed = 0;
        for (BundleSigner.Subject s : signer.unsigned(config.backfill().batch())) {
            try {
                signer.sign(s);
                signed++;
            } catch (Exception e) {
                Log.warnf("could not sign bundle %s/%s (will retry): %s", s.name(), s.sha256(), e.getMessage());
            }
        }
        if (signed > 0) {
            Log.infof("signed %d bundle(s) that had no signature by a configured key", signed);
        }
        return signed;
    }
}
