package dev.extfarm.recipe.source;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link SourceFetcher} fetches.
 *
 * @param cacheDir where archives ({@code sources/<sha-256>}) and Debian indexes are kept
 * @param debianMirror base URL of a Debian mirror (the directory holding {@code dists/} and {@code pool/})
 * @param debianSuites suites whose {@code Sources} indexes are searched, in this order
 * @param debianComponent archive component, usually {@code main}
 * @param indexMaxAge how long a downloaded {@code Sources} index is used before it is fetched again
 *     (a stale index is still used when the mirror cannot be reached)
 * @param connectTimeout TCP connect timeout
 * @param downloadTimeout the longest a single download may take, headers and body
 * @param maxDownloadBytes larger downloads are abandoned
 * @param allowFileUrls whether {@code file:} URLs may be read: handy for local builds, but a build
 *     farm fetching untrusted recipes should leave it off
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
        boolean allowFileUrls) {

    public static final URI DEFAULT_MIRROR = URI.create("http://deb.debian.org/debian");
    public static final List<String> DEFAULT_SUITES = List.of("bookworm", "trixie", "sid");

    public SourceFetcherConfig {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(debianMirror, "debianMirror");
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
        if (maxDownloadBytes <= 0) {
            throw new IllegalArgumentException("maxDownloadBytes must be positive");
        }
    }

    /** Defaults: deb.debian.org, bookworm + trixie + sid, main, indexes kept 6 hours, 2 GiB, no file: URLs. */
    public static SourceFetcherConfig defaults(Path cacheDir) {
        return new SourceFetcherConfig(cacheDir, DEFAULT_MIRROR, DEFAULT_SUITES, "main", Duration.ofHours(6),
                Duration.ofSeconds(20), Duration.ofMinutes(15), 2L << 30, false);
    }

    public SourceFetcherConfig withDebianMirror(URI mirror, List<String> suites) {
        return new SourceFetcherConfig(cacheDir, mirror, suites, debianComponent, indexMaxAge, connectTimeout,
                downloadTimeout, maxDownloadBytes, allowFileUrls);
    }

    public SourceFetcherConfig withIndexMaxAge(Duration maxAge) {
        return new SourceFetcherConfig(cacheDir, debianMirror, debianSuites, debianComponent, maxAge, connectTimeout,
                downloadTimeout, maxDownloadBytes, allowFileUrls);
    }

    public SourceFetcherConfig withAllowFileUrls(boolean allow) {
        return new SourceFetcherConfig(cacheDir, debianMirror, debianSuites, debianComponent, indexMaxAge, connectTimeout,
                downloadTimeout, maxDownloadBytes, allow);
    }

    public SourceFetcherConfig withLimits(Duration connect, Duration download, long maxBytes) {
        return new SourceFetcherConfig(cacheDir, debianMirror, debianSuites, debianComponent, indexMaxAge, connect,
                download, maxBytes, allowFileUrls);
    }
}
