package dev.extfarm.recipe.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams a URL into a file while computing its sha-256. http and https go through the JDK
 * HttpClient (redirects followed, but never from https to http); file URLs are copied.
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
    private final HttpClient http;
    private final ScheduledExecutorService watchdog;

    Downloader(SourceFetcherConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "extfarm-download-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Writes the content of {@code url} to {@code target} (replaced if present).
     *
     * @throws NotFound for a 404/410 answer or a missing file
     * @throws IOException for any other failure: refused connection, other statuses, timeouts, too large
     */
    Downloaded download(URI url, Path target) throws IOException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("file")) {
            if (!config.allowFileUrls()) {
                throw new IOException("file: URLs are not allowed by this fetcher's configuration");
            }
            try (InputStream in = Files.newInputStream(Path.of(url))) {
                return copy(in, target, url);
            } catch (NoSuchFileException e) {
                throw new NotFound(url + ": no such file");
            }
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IOException(url + ": only http, https and file URLs can be fetched");
        }
        HttpRequest request = HttpRequest.newBuilder(url).GET().timeout(config.downloadTimeout())
                .header("User-Agent", "extfarm-source-fetcher").build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + url, e);
        }
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404 || status == 410) {
                throw new NotFound(url + ": HTTP " + status);
            }
            if (status != 200) {
                throw new IOException(url + ": HTTP " + status);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > config.maxDownloadBytes()) {
                throw new IOException(url + ": " + declared + " bytes is more than the limit of " + config.maxDownloadBytes());
            }
            AtomicBoolean timedOut = new AtomicBoolean();
            ScheduledFuture<?> deadline = watchdog.schedule(() -> {
                timedOut.set(true);
                closeQuietly(body);
            }, config.downloadTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                return copy(body, target, url);
            } catch (IOException e) {
                if (timedOut.get()) {
                    throw new IOException(url + ": download took longer than " + config.downloadTimeout(), e);
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

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the reader sees the closed stream
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
