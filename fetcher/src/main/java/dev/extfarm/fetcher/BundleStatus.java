package dev.extfarm.fetcher;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What install jobs report about the bundles ({@link InstallJob.Reports}), read by the fetcher and
 * {@code GET /status}: each bundle's last failure, the versions waiting in the cache for a restart
 * of PostgreSQL, and whether PostgreSQL was started (the one fact of the node a job reads).
 */
final class BundleStatus implements InstallJob.Reports {

    /** Each bundle's last failure as a person reads it ({@code <code>: <message>}), and its code alone. */
    private final Map<String, String> errors = new ConcurrentHashMap<>();
    private final Map<String, String> errorCodes = new ConcurrentHashMap<>();
    /** {@code <bundle>@<sha256>}: fetched and verified, installed at the next start (an older version is preloaded). */
    private final Set<String> pendingRestart = ConcurrentHashMap.newKeySet();
    private volatile boolean postgresStarted;

    @Override
    public boolean postgresStarted() {
        return postgresStarted;
    }

    /** From now on PostgreSQL is assumed to run: a library it preloaded is not replaced under it. */
    void markPostgresStarted() {
        postgresStarted = true;
    }

    @Override
    public void failed(String bundle, FetchException e) {
        errorCodes.put(bundle, e.code());
        errors.put(bundle, e.describe());
    }

    @Override
    public void installed(String bundle) {
        cleared(bundle);
    }

    @Override
    public void pendingRestart(ComputeSpec.Entry e) {
        pendingRestart.add(e.name() + "@" + e.sha256());
    }

    /** Forgets a bundle's failure (installed, removed, or its name conflict gone). */
    void cleared(String bundle) {
        errors.remove(bundle);
        errorCodes.remove(bundle);
    }

    /** The bundle's last failure ({@code <code>: <message>}), null if none. */
    String error(String bundle) {
        return errors.get(bundle);
    }

    /** The code of the bundle's last failure, null if none. */
    String errorCode(String bundle) {
        return errorCodes.get(bundle);
    }

    /** The bundles whose last attempt failed with this code. */
    Set<String> failedWith(String code) {
        return Set.copyOf(errorCodes.entrySet().stream().filter(e -> e.getValue().equals(code)).map(Map.Entry::getKey).toList());
    }

    int failures() {
        return errors.size();
    }

    boolean isPendingRestart(String bundle, String sha256) {
        return pendingRestart.contains(bundle + "@" + sha256);
    }

    /** {@code <bundle>@<sha256>} of every version waiting for a restart (a live, read-only view). */
    Set<String> pendingRestart() {
        return Collections.unmodifiableSet(pendingRestart);
    }
}
