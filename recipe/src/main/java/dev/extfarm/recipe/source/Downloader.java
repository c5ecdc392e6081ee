package dev.extfarm.recipe.source;

import dev.extfarm.recipe.egress.EgressHttpClient;
import dev.extfarm.recipe.egress.EgressPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams an http or https URL into a file while computing its sha-256, through an
 * {@link EgressHttpClient}: only where the {@link EgressPolicy} allows, every redirect checked
 * again, at most {@link SourceFetcherConfig#maxRedirects()} of them. Nothing else is read: no
 * {@code file:} URLs (local archives come from the operator's source mirrors).
 */
final class Downloader implements AutoCloseable {

    /** What was written: the file, its sha-256 and its size. */
    record Downloaded(Path file, String sha256, long size) {
    }

    /** Thrown for a 404 or 410 answer, so that callers can try an alternative. */
    static final class NotFound extends IOException {
        NotFound(String message) {
            super(message);
        }
    }

    private final SourceFetcherConfig config;
    private final EgressHttpClient http;
    private final ScheduledExecutorService watchdog;

    Downloader(SourceFetcherConfig config, EgressPolicy policy) {
        this.config = config;
        this.http = new EgressHttpClient(policy, config.connectTimeout());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "extfarm-download-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Writes the content of {@code url} to {@code target} (replaced if present).
     *
     * @throws dev.extfarm.recipe.egress.EgressRefusedException when the URL, an address or a redirect is refused
     * @throws NotFound for a 404/410 answer
     * @throws IOException for any other failure: refused connection, other statuses, timeouts, too large
     */
    Downloaded download(URI url, Path target) throws IOException {
        try (EgressHttpClient.Response response = http.get(url, Map.of("User-Agent", "extfarm-source-fetcher"),
                config.maxRedirects(), config.downloadTimeout())) {
            int status = response.status();
            String where = response.url().equals(url) ? url.toString() : url + " (redirected to " + response.url() + ")";
            if (status == 404 || status == 410) {
                throw new NotFound(where + ": HTTP " + status);
            }
            if (status != 200) {
                throw new IOException(where + ": HTTP " + status);
            }
            long declared = response.contentLength();
            if (declared > config.maxDownloadBytes()) {
                throw new IOException(where + ": " + declared + " bytes is more than the limit of " + config.maxDownloadBytes());
            }
            InputStream body = response.body();
            AtomicBoolean timedOut = new AtomicBoolean();
            ScheduledFuture<?> deadline = watchdog.schedule(() -> {
                timedOut.set(true);
                response.close();
            }, config.downloadTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                return copy(body, target, url);
            } catch (IOException e) {
                if (timedOut.get()) {
                    throw new IOException(where + ": download took longer than " + config.downloadTimeout(), e);
                }
                throw e;
            } finally {
                deadline.cancel(false);
            }
        }
    }

    private Downloaded copy(InputStream in, Path target, URI url) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        long size = 0;
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(target)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                size += n;
                if (size > config.maxDownloadBytes()) {
                    throw new IOException(url + ": more than the limit of " + config.maxDownloadBytes() + " bytes");
                }
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return new Downloaded(target, Sha256.hex(digest), size);
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        http.close();
    }
}
