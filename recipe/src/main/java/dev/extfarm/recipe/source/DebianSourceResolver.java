package dev.extfarm.recipe.source;

import dev.extfarm.recipe.Recipe;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Finds the upstream tarball of a Debian source package version through the {@code Sources}
 * indexes of the configured suites ({@code <mirror>/dists/<suite>/<component>/source/Sources.xz},
 * falling back to {@code .gz} and plain). Indexes are cached, uncompressed, under
 * {@code <cache>/debian-index/} for {@link SourceFetcherConfig#indexMaxAge()}. The index is not
 * trusted: what counts is that the tarball's sha-256 equals the recipe's pin.
 */
final class DebianSourceResolver {

    static final long MAX_INDEX_BYTES = 1L << 30;
    private static final List<String> INDEX_NAMES = List.of("Sources.xz", "Sources.gz", "Sources");
    private static final Pattern POOL_DIRECTORY = Pattern.compile("pool/[A-Za-z0-9+._-]+(/[A-Za-z0-9+._-]+)*");
    private static final Pattern POOL_FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9+._~-]*");

    private final SourceFetcherConfig config;
    private final Downloader downloader;
    private final SourceCache cache;
    private final Path indexRoot;

    DebianSourceResolver(SourceFetcherConfig config, Downloader downloader, SourceCache cache) {
        this.config = config;
        this.downloader = downloader;
        this.cache = cache;
        String mirrorKey = shortHash(config.debianMirror().toString());
        this.indexRoot = config.cacheDir().resolve("debian-index").resolve(mirrorKey);
    }

    ResolvedSource resolve(Recipe.DebianSource source) throws SourceException, IOException {
        List<String> mismatches = new ArrayList<>();
        String firstMismatch = null;
        List<String> seen = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (String suite : config.debianSuites()) {
            Optional<Path> index;
            try {
                index = index(suite);
            } catch (IOException e) {
                failures.add(suite + ": " + e.getMessage());
                continue;
            }
            if (index.isEmpty()) {
                failures.add(suite + ": no Sources index on the mirror");
                continue;
            }
            List<DebianSourceEntry> entries;
            try (InputStream in = open(index.get())) {
                entries = DebianSourcesIndex.find(in, source.packageName());
            }
            for (DebianSourceEntry entry : entries) {
                seen.add(suite + " " + entry.version());
                if (!entry.matchesVersion(source.version())) {
                    continue;
                }
                Optional<DebianSourceEntry.PoolFile> orig = entry.origTarball();
                if (orig.isEmpty() || !POOL_DIRECTORY.matcher(entry.directory()).matches() || entry.directory().contains("..")
                        || !POOL_FILE.matcher(orig.get().name()).matches()) {
                    failures.add(suite + " " + entry.version() + ": no usable .orig.tar.* in the index (a Debian-native package?)");
                    continue;
                }
                if (orig.get().sha256().equals(source.sha256())) {
                    return new ResolvedSource(poolUrl(entry.directory(), orig.get().name()), source.sha256(),
                            "debian " + suite + " " + entry.packageName() + " " + entry.version() + " " + orig.get().name());
                }
                if (firstMismatch == null) {
                    firstMismatch = orig.get().sha256();
                }
                mismatches.add(suite + " " + entry.version() + " " + orig.get().name() + " has sha-256 " + orig.get().sha256());
            }
        }
        String what = "Debian source " + source.packageName() + " " + source.version();
        if (!mismatches.isEmpty()) {
            throw new SourceException(SourceException.Reason.CHECKSUM_MISMATCH, what + ": the recipe pins sha-256 "
                    + source.sha256() + " but " + String.join("; ", mismatches));
        }
        throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, what + " is not in the Sources index of "
                + String.join(", ", config.debianSuites()) + " at " + config.debianMirror()
                + (seen.isEmpty() ? " (no version of " + source.packageName() + " at all)" : " (found: " + String.join(", ", seen) + ")")
                + (failures.isEmpty() ? "" : "; " + String.join("; ", failures)));
    }

    private URI poolUrl(String directory, String file) {
        String base = config.debianMirror().toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + directory + "/" + file);
    }

    /**
     * The suite's index on disk, uncompressed ({@code Sources}), fetched when missing or older than
     * the configured age. Decompressing once at download keeps every later look-up a plain scan.
     */
    Optional<Path> index(String suite) throws IOException {
        Path dir = indexRoot.resolve(suite).resolve(config.debianComponent().replace('/', '_'));
        Path target = dir.resolve("Sources");
        Optional<Path> existing = Files.isRegularFile(target) ? Optional.of(target) : Optional.empty();
        if (existing.isPresent() && isFresh(target)) {
            return existing;
        }
        try {
            Files.createDirectories(dir);
            for (String name : INDEX_NAMES) {
                URI url = URI.create(mirrorBase() + "dists/" + suite + "/" + config.debianComponent() + "/source/" + name);
                Path download = cache.newTempFile("index-");
                Path plain = cache.newTempFile("index-plain-");
                try {
                    downloader.download(url, download);
                    decompress(download, name, plain);
                    Files.setLastModifiedTime(plain, FileTime.from(Instant.now()));
                    Files.move(plain, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    return Optional.of(target);
                } catch (Downloader.NotFound notFound) {
                    continue;
                } finally {
                    Files.deleteIfExists(download);
                    Files.deleteIfExists(plain);
                }
            }
            return existing;
        } catch (IOException e) {
            if (existing.isPresent()) {
                return existing; // a stale index beats none: the sha-256 pin still decides
            }
            throw e;
        }
    }

    /** Decompresses an index, refusing one larger than {@link #MAX_INDEX_BYTES} (today's are about 70 MB). */
    private static void decompress(Path download, String name, Path plain) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try (InputStream in = open(download, name); var out = Files.newOutputStream(plain)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > MAX_INDEX_BYTES) {
                    throw new IOException(name + " unpacks to more than " + MAX_INDEX_BYTES + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    private boolean isFresh(Path file) throws IOException {
        Instant fetched = Files.getLastModifiedTime(file).toInstant();
        return fetched.plus(config.indexMaxAge()).isAfter(Instant.now());
    }

    private String mirrorBase() {
        String base = config.debianMirror().toString();
        return base.endsWith("/") ? base : base + "/";
    }

    private static InputStream open(Path index) throws IOException {
        return open(index, index.getFileName().toString());
    }

    private static InputStream open(Path index, String name) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(index), 1 << 16);
        if (name.endsWith(".xz")) {
            return new XZInputStream(in);
        }
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(in, 1 << 16);
        }
        return in;
    }

    private static String shortHash(String text) {
        var digest = Sha256.newDigest();
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        return Sha256.hex(digest).substring(0, 16);
    }
}
