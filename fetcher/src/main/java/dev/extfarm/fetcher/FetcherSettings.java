package dev.extfarm.fetcher;

import dev.extfarm.fetcher.download.BundleCache;
import dev.extfarm.fetcher.download.DownloadSettings;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.spec.SpecSource;
import dev.extfarm.fetcher.trust.Trust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@link Fetcher} needs; {@link FetcherMain} builds it from the command line.
 *
 * @param stateDir       node-local state of this PostgreSQL installation (records, journal, staging)
 * @param cacheDir       the content-addressed bundle cache (may be shared by every fetcher on the node)
 * @param concurrency    background downloads at once
 * @param bandwidth      bytes per second for background downloads; 0 = unlimited
 * @param refresh        how often to re-read the spec; zero = only on demand (POST /refresh, SIGHUP)
 * @param backgroundHold how long phase 4 waits for PostgreSQL to accept connections (pg_extfarm says so
 *                       with {@code POST /postgres/started}) before it starts anyway; zero = no wait
 * @param stagingQuota   bytes allowed in staging + partial downloads; 0 = the disk's own limit
 * @param cacheLimit     bytes the cache's verified bundles may take (least recently used ones not in use are
 *                       evicted); 0 = no limit
 * @param psql           optional: psql and a connection string to read pg_extension in every database
 * @param trust          which bundle signatures are accepted (required: there is no default)
 * @param postgres       the server binary whose exported symbols bundles' compatibility floors are checked
 *                       against; null = {@code <bindir>/postgres} when the layout has a bindir, else unchecked
 */
public record FetcherSettings(SpecSource spec, PgLayout layout, Path stateDir, Path cacheDir, Preload preload,
                              int concurrency, long bandwidth, Duration refresh, Duration backgroundHold, long stagingQuota,
                              long cacheLimit, DownloadSettings download, String ldconfig, List<Path> systemLibDirs, PgCatalog psql, Trust trust,
                              Path postgres) {

    /** The server binary the floors are checked against: {@link #postgres} or {@code <bindir>/postgres}; null = unknown. */
    public Path postgresBinary() {
        if (postgres != null) {
            return postgres;
        }
        Path bin = layout.binDir();
        return bin != null && Files.isRegularFile(bin.resolve("postgres")) ? bin.resolve("postgres") : null;
    }

    /** The preload settings of the PostgreSQL served (library names without {@code $libdir/} or {@code .so}). */
    public record Preload(List<String> shared, List<String> session, List<String> local) {
        public Preload {
            shared = normalize(shared);
            session = normalize(session);
            local = normalize(local);
        }

        public static final Preload NONE = new Preload(List.of(), List.of(), List.of());

        static List<String> normalize(List<String> libs) {
            return libs == null ? List.of() : libs.stream().map(FetcherSettings::libraryName).filter(s -> !s.isEmpty()).distinct().toList();
        }
    }

    /** {@code $libdir/plugins/foo.so} → {@code foo}. */
    public static String libraryName(String raw) {
        String s = raw.strip();
        if (s.startsWith("'") && s.endsWith("'") && s.length() >= 2) {
            s = s.substring(1, s.length() - 1);
        }
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            s = s.substring(slash + 1);
        }
        if (s.endsWith(".so")) {
            s = s.substring(0, s.length() - 3);
        }
        return s;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: 2 workers, no bandwidth limit, refresh every 5 minutes, phase 4 held up to 30 s for
     * PostgreSQL's start, no quota, a 1 GiB cache ({@link dev.extfarm.fetcher.download.BundleCache#DEFAULT_LIMIT}),
     * ldconfig on PATH.
     */
    public static final class Builder {
        private SpecSource spec;
        private PgLayout layout;
        private Path stateDir;
        private Path cacheDir;
        private Preload preload = Preload.NONE;
        private int concurrency = 2;
        private long bandwidth;
        private Duration refresh = Duration.ofMinutes(5);
        private Duration backgroundHold = Duration.ofSeconds(30);
        private long stagingQuota;
        private long cacheLimit = BundleCache.DEFAULT_LIMIT;
        private DownloadSettings download = DownloadSettings.DEFAULT;
        private String ldconfig = "ldconfig";
        private List<Path> systemLibDirs = List.of();
        private PgCatalog psql;
        private Trust trust;
        private Path postgres;

        public Builder spec(SpecSource v) { spec = v; return this; }
        public Builder layout(PgLayout v) { layout = v; return this; }
        public Builder stateDir(Path v) { stateDir = v; return this; }
        public Builder cacheDir(Path v) { cacheDir = v; return this; }
        public Builder preload(Preload v) { preload = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder bandwidth(long v) { bandwidth = v; return this; }
        public Builder refresh(Duration v) { refresh = v; return this; }
        public Builder backgroundHold(Duration v) { backgroundHold = v; return this; }
        public Builder stagingQuota(long v) { stagingQuota = v; return this; }
        public Builder cacheLimit(long v) { cacheLimit = v; return this; }
        public Builder download(DownloadSettings v) { download = v; return this; }
        public Builder ldconfig(String v) { ldconfig = v; return this; }
        public Builder systemLibDirs(List<Path> v) { systemLibDirs = List.copyOf(v); return this; }
        public Builder psql(PgCatalog v) { psql = v; return this; }
        public Builder trust(Trust v) { trust = v; return this; }
        public Builder postgres(Path v) { postgres = v; return this; }

        public FetcherSettings build() {
            if (spec == null || layout == null || stateDir == null) {
                throw new IllegalArgumentException("a spec source, a PostgreSQL layout and a state directory are required");
            }
            if (trust == null) {
                throw new IllegalArgumentException("no trusted signing keys: " + Trust.HOW);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1");
            }
            return new FetcherSettings(spec, layout, stateDir, cacheDir == null ? stateDir.resolve("cache") : cacheDir, preload,
                    concurrency, bandwidth, refresh, backgroundHold, stagingQuota, cacheLimit, download, ldconfig, systemLibDirs, psql, trust, postgres);
        }
    }
}
