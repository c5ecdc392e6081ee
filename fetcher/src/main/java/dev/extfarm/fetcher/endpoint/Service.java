package dev.extfarm.fetcher.endpoint;

import dev.extfarm.fetcher.report.FetchException;
import java.time.Duration;
import java.util.Map;

/**
 * What the local endpoint asks of the fetcher, one method per route (see {@link Routes}). The
 * fetcher implements it; the endpoint knows nothing else of it, so the dependency points one way
 * (fetcher → endpoint), never back.
 */
public interface Service {

    /** What an on-demand request got. {@code state}: installed, pending-restart (older version active), system. */
    interface Installed {
        String name();

        String bundle();

        String version();

        String state();

        long millis();

        boolean pendingRestart();
    }

    /** {@code GET /status}: the fetcher's phases and every bundle's state. */
    Map<String, ?> status();

    /** {@code POST /refresh}: re-reads the compute spec. */
    Map<String, ?> refresh() throws FetchException;

    /** {@code POST /postgres/started}: PostgreSQL accepts connections ({@code detail}: what pg_extfarm's worker told). */
    Map<String, ?> postgresAccepting(String detail);

    /** {@code POST /extensions/{name}}: the bundle carrying this extension, installed now. */
    Installed requestExtension(String control, Duration timeout) throws FetchException;

    /** {@code POST /extensions/{name}?update_from=A[&update_to=B]}: the version carrying the update scripts. */
    Installed requestUpdate(String control, String from, String to, Duration timeout) throws FetchException;

    /** {@code POST /libraries/{name}[?local_preload=true]}: the bundle providing this library, installed now. */
    Installed requestLibrary(String library, Duration timeout, boolean localPreload) throws FetchException;
}
