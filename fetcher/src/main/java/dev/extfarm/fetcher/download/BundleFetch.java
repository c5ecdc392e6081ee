package dev.extfarm.fetcher.download;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.bundle.GuardedInputStream;
import dev.extfarm.bundle.RejectionRule;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Gets one bundle of the spec into a staging directory, verified: from the cache, or streamed
 * once from the registry. The bytes flow network → partial file (for resuming) → the hardened
 * {@link BundleReader} (with its read-ahead thread: the network, the partial file and the
 * whole-stream sha-256 on one core, unpacking and the per-file sha-256s on the other), which
 * hashes and checks every entry while it unpacks; only when it
 * accepts the whole stream with the spec's sha-256 is the partial file published in the cache.
 * Meanwhile {@link WriteBehind} flushes the staged files to disk, so the installer's fsync at the
 * end has little left to write.
 *
 * <p>The hash covers all bytes even across resumes: a dropped connection is resumed inside
 * {@link ResumingStream} (the reader sees one contiguous stream), and a download interrupted by a
 * restart replays the partial file's bytes through the reader before the network's. If a resumed
 * download then fails verification, it is retried once from byte 0.
 */
public final class BundleFetch {

    /** What {@link #fetch} produced. */
    public record Staged(VerifiedBundle bundle, Path tree, boolean fromCache, long downloaded, long resumedFrom, int reconnects) {
    }

    private final HttpClient http;
    private final DownloadSettings settings;
    private final Throttle throttle;
    private final BundleCache cache;
    private final StagingQuota quota;
    private final BundleReader reader;

    public BundleFetch(HttpClient http, DownloadSettings settings, Throttle throttle, BundleCache cache, StagingQuota quota,
                       BundleReader reader) {
        this.http = http;
        this.settings = settings;
        this.throttle = throttle;
        this.cache = cache;
        this.quota = quota;
        this.reader = reader;
    }

    public BundleCache cache() {
        return cache;
    }

    /** Verified and unpacked into {@code dest}, which must not exist; nothing is left there on failure. */
    public Staged fetch(ComputeSpec.Entry e, Path dest, Throttle.Urgency urgency, LongConsumer progress) throws FetchException {
        try (BundleCache.Lock ignored = cache.lock(e.sha256())) {
            Optional<Path> cached = cache.verified(e.sha256());
            if (cached.isPresent()) {
                try (InputStream in = Files.newInputStream(cached.get()); WriteBehind ignored2 = WriteBehind.start(dest)) {
                    VerifiedBundle vb = reader.unpack(in, dest, e.sha256());
                    progress.accept(e.size());
                    cache.used(e.sha256());
                    return new Staged(vb, dest, true, 0, 0, 0);
                } catch (BundleRejectedException | IOException damaged) {
                    cache.evict(e.sha256()); // damaged on disk: fetch it again
                }
            }
            Path partial = cache.partial(e.sha256());
            try {
                return download(e, dest, partial, urgency, progress);
            } catch (Retry r) {
                Files.deleteIfExists(partial);
                return download(e, dest, partial, urgency, progress);
            }
        } catch (Retry r) {
            throw r.reason;
        } catch (IOException io) {
            throw new FetchException(FetchException.Kind.UNAVAILABLE, "cache-unusable", "the bundle cache "
                    + cache.root() + " is unusable: " + io.getMessage(), io);
        }
    }

    private Staged download(ComputeSpec.Entry e, Path dest, Path partial, Throttle.Urgency urgency, LongConsumer progress)
            throws FetchException, IOException, Retry {
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        if (have > e.size()) {
            Files.delete(partial);
            have = 0;
        }
        progress.accept(have);
        String label = e.label() + " from " + redact(e.link());
        ResumingStream net = new ResumingStream(http, URI.create(e.link()), have, e.size(), settings, throttle, urgency,
                progress, label);
        try (StagingQuota.Meter meter = quota.start(e.label());
             OutputStream keep = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             InputStream replay = limited(Files.newInputStream(partial), have);
             // network bytes are written to the partial file (and counted against the quota) as they are read
             InputStream in = new SequenceInputStream(replay, new GuardedInputStream(net, Long.MAX_VALUE, (b, off, len) -> {
                 meter.add(len);
                 keep.write(b, off, len);
             }));
             WriteBehind ignored = WriteBehind.start(dest)) {
            // the reader's own read-ahead thread reads 'in' (network, partial file) and hashes the
            // whole stream while this thread unpacks; it returns after the stream's end, so every
            // byte is in 'keep' by then
            VerifiedBundle vb = reader.unpack(in, dest, e.sha256());
            keep.flush();
            cache.publish(e.sha256(), partial);
            return new Staged(vb, dest, false, e.size() - have, have, net.resumes());
        } catch (BundleRejectedException r) {
            Files.deleteIfExists(partial);
            if (have > 0) {
                throw new Retry(rejected(e, r));
            }
            throw rejected(e, r);
        } catch (IOException io) {
            FetchException reason = unwrap(io);
            if (reason != null) {
                if (reason.code().equals("size-mismatch") || reason.code().equals("range-not-satisfiable")) {
                    Files.deleteIfExists(partial);
                }
                throw reason;
            }
            if (isNoSpace(io)) {
                Files.deleteIfExists(partial);
                throw new FetchException(FetchException.Kind.NO_SPACE, "no-space", io instanceof StagingQuota.NoSpaceException
                        ? io.getMessage() : "staging " + dest.getParent() + " or the cache " + cache.root() + " is full while fetching "
                        + e.label() + ": " + io.getMessage() + "; free space and retry; nothing was installed", io);
            }
            throw new FetchException(FetchException.Kind.UPSTREAM, "download-failed", "downloading " + label + " failed at byte "
                    + net.position() + " of " + e.size() + ": " + io.getMessage() + "; nothing was installed, the next attempt resumes", io);
        }
    }

    private static FetchException rejected(ComputeSpec.Entry e, BundleRejectedException r) {
        boolean digest = r.rule() == RejectionRule.DIGEST_MISMATCH;
        return new FetchException(FetchException.Kind.UPSTREAM, digest ? "digest-mismatch" : "bundle-rejected",
                "the bundle " + e.label() + " from " + redact(e.link()) + (digest ? " does not have the spec's sha-256 ("
                        + r.getMessage() + ")" : " was refused by the hardened reader (" + r.getMessage() + ")")
                        + "; nothing was installed", r);
    }

    private static FetchException unwrap(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ResumingStream.Failure f) {
                return f.reason;
            }
        }
        return null;
    }

    private static boolean isNoSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StagingQuota.NoSpaceException || String.valueOf(c.getMessage()).contains("No space left")) {
                return true;
            }
        }
        return false;
    }

    /** A link without its query string (the signature stays out of logs). */
    public static String redact(String link) {
        int q = link.indexOf('?');
        return q < 0 ? link : link.substring(0, q);
    }

    private static InputStream limited(InputStream in, long n) {
        return new FilterInputStream(in) {
            long left = n;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int r = super.read(b, off, (int) Math.min(len, left));
                if (r > 0) {
                    left -= r;
                }
                return r;
            }
        };
    }

    /** A resumed download failed verification: start again from byte 0 once. */
    private static final class Retry extends Exception {
        final FetchException reason;

        Retry(FetchException reason) {
            super(reason.getMessage(), null, false, false);
            this.reason = reason;
        }
    }
}
