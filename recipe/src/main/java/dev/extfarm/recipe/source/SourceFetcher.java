package dev.extfarm.recipe.source;

import dev.extfarm.bundle.Digests;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.egress.EgressRefusedException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fetches a recipe's source archive into an on-disk cache keyed by sha-256 and returns the cached
 * file. Downloads are streamed into a temporary file while hashed, and moved into the cache only
 * when the sha-256 equals the recipe's pin; a cached archive is served without network.
 *
 * <pre>{@code
 * try (SourceFetcher fetcher = new SourceFetcher(SourceFetcherConfig.defaults(cacheDir))) {
 *     Path archive = fetcher.fetch(recipe.source());
 *     UnpackedSource src = new SourceUnpacker().unpack(archive, workDir, recipe.source().subdir());
 * }
 * }</pre>
 *
 * Safe for concurrent use, also by several processes sharing the cache directory.
 */
public final class SourceFetcher implements AutoCloseable {

    private final SourceFetcherConfig config;
    private final Downloader downloader;
    private final Downloader debianDownloader;
    private final SourceCache cache;
    private final DebianSourceResolver debian;
    private final SourceMirrors mirrors;
    private final GitSources git;

    public SourceFetcher(SourceFetcherConfig config) {
        this(config, SourceMirrors.fromEnvironment());
    }

    /** With the operator's source mirrors, tried before the network (git sources come only from them). */
    public SourceFetcher(SourceFetcherConfig config, SourceMirrors mirrors) {
        this.config = config;
        this.mirrors = mirrors;
        this.downloader = new Downloader(config, config.egress());
        // the Debian mirror is the operator's configuration: its origin is trusted, redirects away from it are not
        this.debianDownloader = new Downloader(config, config.egress().trustingOrigin(config.debianMirror()));
        this.cache = new SourceCache(config.cacheDir());
        this.debian = new DebianSourceResolver(config, debianDownloader, cache);
        this.git = new GitSources(config.cacheDir(), mirrors, Optional.empty(), config.downloadTimeout(), config.maxDownloadBytes());
    }

    public SourceMirrors mirrors() {
        return mirrors;
    }

    public SourceFetcherConfig config() {
        return config;
    }

    /**
     * The verified archive, from the cache or downloaded into it.
     *
     * @throws SourceException {@code checksum-mismatch} when the bytes (or, for a Debian source, the
     *     index's sha-256) differ from the pin; {@code source-unavailable} when not found or unreachable;
     *     {@code source-url-scheme}, {@code source-address-forbidden} etc. when the egress policy refuses
     *     the URL, an address it resolves to or a redirect (nothing is read from there)
     * @throws IOException when the cache directory cannot be written
     */
    public Path fetch(Recipe.Source source) throws SourceException, IOException {
        if (source instanceof Recipe.BundledSource b) {
            throw new IllegalArgumentException("source.bundled " + b.file() + " is inside the recipe bundle: use fetch(source, bundle)");
        }
        return fetch(source, null);
    }

    /**
     * The verified archive of a recipe: for {@code source.bundled} the bundle's {@code source/}
     * file, checked against the pin and put into the cache like a download; otherwise {@link #fetch(Recipe.Source)}.
     *
     * @throws SourceException {@code checksum-mismatch} when the bundled file's bytes differ from the pin;
     *     {@code source-unavailable} when the bundle has no such file
     */
    public Path fetch(Recipe.Source source, RecipeBundle bundle) throws SourceException, IOException {
        if (source instanceof Recipe.GitSource g) {
            return git.fetch(g).archive(); // cached by commit; its own sha-256 is the archive's, not the source's pin
        }
        var cached = cache.lookup(source.sha256());
        if (cached.isPresent()) {
            return cached.get();
        }
        if (source instanceof Recipe.BundledSource b) {
            return storeBundled(b, bundle);
        }
        List<String> skipped = new ArrayList<>();
        Optional<Path> mirrored = fromMirrors(source, skipped);
        if (mirrored.isPresent()) {
            return mirrored.get();
        }
        try {
            return download(source);
        } catch (SourceException e) {
            if (e.reason() != SourceException.Reason.SOURCE_UNAVAILABLE) {
                throw e;
            }
            // the farm's to fix: say what the mirrors had, or how to give one
            throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, e.getMessage() + "; " + mirrorNote(source, skipped),
                    e.getCause());
        }
    }

    private Path download(Recipe.Source source) throws SourceException, IOException {
        ResolvedSource resolved = resolve(source);
        Path temp = cache.newTempFile("source-");
        try {
            Downloader.Downloaded downloaded;
            try {
                downloaded = (source instanceof Recipe.DebianSource ? debianDownloader : downloader).download(resolved.url(), temp);
            } catch (EgressRefusedException e) {
                throw SourceException.refused(resolved.origin(), e);
            } catch (Downloader.NotFound e) {
                throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, resolved.origin() + ": not found ("
                        + e.getMessage() + ")", e);
            } catch (IOException e) {
                throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, resolved.origin() + ": cannot fetch "
                        + resolved.url() + ": " + describe(e), e);
            }
            if (!downloaded.sha256().equals(source.sha256())) {
                throw SourceException.checksumMismatch(resolved.url().toString(), source.sha256(), downloaded.sha256());
            }
            return cache.store(temp, source.sha256());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * The archive from the first mirror whose {@code sha256/<hex>} has the pinned bytes, verified and
     * cached like a download. A mirror file with other bytes is the mirror's fault, not the recipe's:
     * it is noted in {@code skipped} and the next mirror, then the network, is tried.
     */
    private Optional<Path> fromMirrors(Recipe.Source source, List<String> skipped) throws IOException {
        for (Path file : mirrors.archives(source.sha256(), skipped)) {
            Path temp = cache.newTempFile("source-");
            try {
                try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    skipped.add(file + ": cannot be read: " + describe(e));
                    continue;
                }
                String actual = Sha256.of(temp);
                if (actual.equals(source.sha256())) {
                    return Optional.of(cache.store(temp, source.sha256()));
                }
                skipped.add(file + ": its bytes have sha-256 " + actual + ", not the one its name says; not used");
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        return Optional.empty();
    }

    /** What the mirrors had to say about a source that could not be had: none configured, or which lack it. */
    private String mirrorNote(Recipe.Source source, List<String> skipped) {
        String entry = SourceMirrors.archivePath(source.sha256()).toString();
        String note = mirrors.dirs().isEmpty()
                ? "no source mirror is configured (a farm without internet gives one: " + SourceMirrors.ENV
                        + "=DIR or ./extfarm up --source-mirror DIR, holding " + entry + ")"
                : "no source mirror has " + entry + " (" + mirrors + ")";
        return skipped.isEmpty() ? note : note + "; skipped: " + String.join("; ", skipped);
    }

    private Path storeBundled(Recipe.BundledSource b, RecipeBundle bundle) throws SourceException, IOException {
        if (bundle == null || !bundle.sourceFileNames().contains(b.file())) {
            throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, "source.bundled " + b.file()
                    + ": the recipe bundle has no " + RecipeBundle.SOURCE_DIR + "/" + b.file());
        }
        byte[] bytes = bundle.sourceFile(b.file());
        String actual = Digests.sha256(bytes);
        if (!actual.equals(b.sha256())) {
            throw SourceException.checksumMismatch("source.bundled " + b.file(), b.sha256(), actual);
        }
        Path temp = cache.newTempFile("source-");
        try {
            Files.write(temp, bytes);
            return cache.store(temp, b.sha256());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Where the archive would be fetched from. For a Debian source this reads (and may download)
     * the suites' indexes; the archive itself is not downloaded.
     */
    public ResolvedSource resolve(Recipe.Source source) throws SourceException, IOException {
        if (source instanceof Recipe.UrlSource url) {
            return new ResolvedSource(url.url(), url.sha256(), url.url().toString());
        }
        if (source instanceof Recipe.BundledSource b) {
            // nothing to download: the bytes travel with the recipe (see fetch(source, bundle))
            return new ResolvedSource(URI.create("recipe:" + RecipeBundle.SOURCE_DIR + "/" + b.file()), b.sha256(),
                    "the recipe bundle's " + RecipeBundle.SOURCE_DIR + "/" + b.file());
        }
        if (source instanceof Recipe.GitSource g) {
            return new ResolvedSource(g.url(), g.sha256(), "git " + g.url() + " at " + g.commit());
        }
        Recipe.DebianSource deb = (Recipe.DebianSource) source;
        try {
            return debian.resolve(deb);
        } catch (IOException e) {
            throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, "Debian source " + deb.packageName() + " "
                    + deb.version() + ": cannot read the Sources index: " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    @Override
    public void close() {
        downloader.close();
        debianDownloader.close();
    }
}
