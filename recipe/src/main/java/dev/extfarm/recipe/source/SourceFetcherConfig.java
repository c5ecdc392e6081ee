package dev.extfarm.recipe.source;

import dev.extfarm.recipe.egress.EgressPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link SourceFetcher} fetches.
 *
 * @param cacheDir where archives ({@code sources/<sha-256>}) and Debian indexes are kept
 * @param debianMirror base URL of a Debian mirror (the directory holding {@code dists/} and {@code pool/});
 *     operator configuration, so its host and port are trusted whatever they resolve to
 * @param debianSuites suites whose {@code Sources} indexes are searched, in this order
 * @param debianComponent archive component, usually {@code main}
 * @param indexMaxAge how long a downloaded {@code Sources} index is used before it is fetched again
 *     (a stale index is still used when the mirror cannot be reached)
 * @param connectTimeout TCP connect timeout
 * @param downloadTimeout the longest a single download may take, headers and body
 * @param maxDownloadBytes larger downloads are abandoned
 * @param egress where recipe source URLs may lead: public addresses and the operator's allow list
 *     ({@value #ALLOW_SETTING}); checked for every address and every redirect
 * @param maxRedirects redirects followed per download
 */
public record SourceFetcherConfig(
        Path cacheDir,
        URI debianMirror,
        List<String> debianSuites,
        String debianComponent,
        Duration indexMaxAge,
        Duration connectTimeout,
        Duration downloadTimeout,
        long maxDownloadBytes,
        EgressPolicy egress,
        int maxRedirects) {

    public static final URI DEFAULT_MIRROR = URI.create("http://deb.debian.org/debian");
    public static final List<String> DEFAULT_SUITES = List.of("bookworm", "trixie", "sid");
    /** The operator's setting that allows non-public source addresses (a comma-separated {@link dev.extfarm.recipe.egress.AllowList}). */
    public static final String ALLOW_SETTING = "EXTFARM_SOURCE_ALLOW";
    public static final int DEFAULT_MAX_REDIRECTS = 5;

    public SourceFetcherConfig {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(debianMirror, "debianMirror");
        Objects.requireNonNull(egress, "egress");
        debianSuites = List.copyOf(debianSuites);
        if (debianSuites.isEmpty()) {
            throw new IllegalArgumentException("at least one Debian suite is needed");
        }
        for (String suite : debianSuites) {
            if (!suite.matches("[a-z0-9][a-z0-9.-]*")) {
                throw new IllegalArgumentException("'" + suite + "' is not a Debian suite name");
            }
        }
        if (!debianComponent.matches("[a-z0-9][a-z0-9/-]*")) {
            throw new IllegalArgumentException("'" + debianComponent + "' is not a Debian archive component");
        }
        String scheme = debianMirror.getScheme() == null ? "" : debianMirror.getScheme();
        if (!scheme.equals("http") && !scheme.equals("https") || debianMirror.getHost() == null) {
            throw new IllegalArgumentException("the Debian mirror must be an http or https URL with a host, not " + debianMirror);
        }
        if (maxDownloadBytes <= 0) {
            throw new IllegalArgumentException("maxDownloadBytes must be positive");
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must not be negative");
        }
    }

    /** Defaults: deb.debian.org, bookworm + trixie + sid, main, indexes kept 6 hours, 2 GiB, public addresses only, 5 redirects. */
    public static SourceFetcherConfig defaults(Path cacheDir) {
        return new SourceFetcherConfig(cacheDir, DEFAULT_MIRROR, DEFAULT_SUITES, "main", Duration.ofHours(6),
                Duration.ofSeconds(20), Duration.ofMinutes(15), 2L << 30, EgressPolicy.publicOnly(ALLOW_SETTING),
                DEFAULT_MAX_REDIRECTS);
    }

    public SourceFetcherConfig withDebianMirror(URI mirror, List<String> suites) {
        return new SourceFetcherConfig(cacheDir, mirror, suites, debianComponent, indexMaxAge, connectTimeout,
                downloadTimeout, maxDownloadBytes, egress, maxRedirects);
    }

    public SourceFetcherConfig withIndexMaxAge(Duration maxAge) {
        return new SourceFetcherConfig(cacheDir, debianMirror, debianSuites, debianComponent, maxAge, connectTimeout,
                downloadTimeout, maxDownloadBytes, egress, maxRedirects);
    }

    /** Where recipe source URLs may lead (e.g. {@code egress().withAllowList(AllowList.parse(...))}). */
    public SourceFetcherConfig withEgress(EgressPolicy policy) {
        return new SourceFetcherConfig(cacheDir, debianMirror, debianSuites, debianComponent, indexMaxAge, connectTimeout,
                downloadTimeout, maxDownloadBytes, policy, maxRedirects);
    }

    public SourceFetcherConfig withLimits(Duration connect, Duration download, long maxBytes) {
        return new SourceFetcherConfig(cacheDir, debianMirror, debianSuites, debianComponent, indexMaxAge, connect,
                download, maxBytes, egress, maxRedirects);
    }
}
