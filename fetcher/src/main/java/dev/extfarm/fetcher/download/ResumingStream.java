package dev.extfarm.fetcher.download;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.spec.Problems;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;

/**
 * The bytes at a link from {@code offset} to the end, as one stream: when the connection drops
 * or stalls it reconnects with {@code Range: bytes=<position>-} (and {@code If-Range} on the ETag it
 * saw) after a backoff, so the reader above sees one contiguous byte sequence and its sha-256
 * covers every byte exactly once. Permanent answers (403, 404, 410, a size that contradicts the
 * spec) end it at once with a {@link Failure} carrying the {@link FetchException} to report.
 */
final class ResumingStream extends InputStream {

    private final HttpClient http;
    private final URI link;
    private final long expectedSize;
    private final DownloadSettings settings;
    private final Throttle throttle;
    private final Throttle.Urgency urgency;
    private final LongConsumer progress;
    private final String label;
    private long position;
    private InputStream body;
    private String etag;
    private int failures;
    private IOException lastFailure;
    private volatile boolean closed;

    ResumingStream(HttpClient http, URI link, long offset, long expectedSize, DownloadSettings settings, Throttle throttle,
                   Throttle.Urgency urgency, LongConsumer progress, String label) {
        this.http = http;
        this.link = link;
        this.position = offset;
        this.expectedSize = expectedSize;
        this.settings = settings;
        this.throttle = throttle;
        this.urgency = urgency;
        this.progress = progress;
        this.label = label;
    }

    long position() {
        return position;
    }

    int resumes() {
        return failures;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position >= expectedSize) {
            return -1;
        }
        try {
            throttle.pause(urgency);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        while (true) {
            if (body == null) {
                connect();
                continue;
            }
            int n;
            try {
                n = body.read(b, off, (int) Math.min(Math.min(len, maxRead()), expectedSize - position));
            } catch (IOException e) {
                dropped(e);
                continue;
            }
            if (n < 0) {
                dropped(new IOException("the connection ended at byte " + position + " of " + expectedSize));
                continue;
            }
            position += n;
            progress.accept(n);
            try {
                throttle.consume(n, urgency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            return n;
        }
    }

    /** Large reads when nothing is throttled; 64 KiB steps keep a bandwidth limit smooth. */
    private int maxRead() {
        return throttle.bytesPerSecond() > 0 && urgency.isBackground() ? 64 << 10 : DownloadSettings.HTTP_BUFFER;
    }

    private void dropped(IOException e) throws IOException {
        closeBody();
        if (closed) {
            throw new IOException("download closed");
        }
        if (e instanceof InterruptedIOException) {
            throw e;
        }
        lastFailure = e;
        backoff();
    }

    private void backoff() throws IOException {
        if (++failures > settings.retries()) {
            throw new Failure(new FetchException(FetchException.Kind.UPSTREAM, "download-failed", "downloading " + label
                    + " failed " + failures + " times, last at byte " + position + " of " + expectedSize + ": "
                    + describe(lastFailure) + "; the " + position + " bytes received are kept and the next attempt resumes there"));
        }
        long base = settings.backoff().toMillis() << Math.min(failures - 1, 6);
        long sleep = Math.min(base, settings.maxBackoff().toMillis());
        try {
            Thread.sleep(sleep / 2 + ThreadLocalRandom.current().nextLong(sleep / 2 + 1));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private static String describe(IOException e) {
        if (e == null) {
            return "unknown";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof HttpTimeoutException) {
            return "no response within the timeout";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private void connect() throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(link).timeout(settings.timeout()).GET();
        if (position > 0) {
            req.header("Range", "bytes=" + position + "-");
            if (etag != null) {
                req.header("If-Range", etag);
            }
        }
        BodyStream stream = new BodyStream(settings.timeout());
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (IOException e) {
            lastFailure = e;
            backoff();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        int status = resp.statusCode();
        if (status == 200 || status == 206) {
            resp.body().subscribe(stream);
            long total = total(resp, status);
            if (total >= 0 && total != expectedSize) {
                stream.close();
                throw new Failure(new FetchException(FetchException.Kind.UPSTREAM, "size-mismatch", "the registry serves "
                        + total + " bytes for " + label + " but the compute spec says " + expectedSize
                        + "; the bundle or the spec is damaged, nothing was installed"));
            }
            resp.headers().firstValue("ETag").ifPresent(v -> etag = v);
            if (status == 206) {
                long start = resp.headers().firstValue("Content-Range").map(ResumingStream::rangeStart).orElse(-1L);
                if (start != position) {
                    stream.close();
                    lastFailure = new IOException("asked for bytes from " + position + " but got a range starting at " + start);
                    backoff();
                    return;
                }
            } else if (position > 0) {
                stream.skipNBytes(position); // the server ignored Range: skip what we already have
            }
            body = stream;
            return;
        }
        byte[] problem = drain(resp);
        String detail = Problems.detail(problem);
        switch (status) {
            case 403, 401 -> {
                String code = Problems.code(problem);
                boolean expired = code.contains("expired") || detail.contains("expired");
                throw new Failure(new FetchException(FetchException.Kind.UPSTREAM, expired ? "link-expired" : "link-forbidden",
                        "the registry refused the link for " + label + " (" + status + " " + detail + ")"
                                + (expired ? "; a fresh compute spec gives a new link" : "")));
            }
            case 404, 410 -> throw new Failure(new FetchException(FetchException.Kind.UPSTREAM, "bundle-gone",
                    "the registry has no bundle at the link for " + label + " (" + status + " " + detail + ")"));
            case 416 -> throw new Failure(new FetchException(FetchException.Kind.UPSTREAM, "range-not-satisfiable",
                    "the registry has fewer bytes for " + label + " than the " + position + " already received (416)"));
            default -> {
                lastFailure = new IOException("the registry answered " + status + " " + detail);
                backoff();
            }
        }
    }

    private static byte[] drain(HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp) {
        BodyStream s = new BodyStream(Duration.ofSeconds(5));
        resp.body().subscribe(s);
        try (s) {
            return s.readNBytes(16 << 10);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private long total(HttpResponse<?> resp, int status) {
        if (status == 206) {
            return resp.headers().firstValue("Content-Range").map(v -> {
                int slash = v.lastIndexOf('/');
                try {
                    return slash < 0 || v.endsWith("*") ? -1L : Long.parseLong(v.substring(slash + 1).strip());
                } catch (NumberFormatException e) {
                    return -1L;
                }
            }).orElse(-1L);
        }
        return resp.headers().firstValueAsLong("Content-Length").orElse(-1L);
    }

    private static long rangeStart(String contentRange) {
        try {
            String v = contentRange.strip();
            int sp = v.indexOf(' ');
            int dash = v.indexOf('-');
            return Long.parseLong(v.substring(sp + 1, dash).strip());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private void closeBody() {
        if (body != null) {
            try {
                body.close();
            } catch (IOException ignored) {
                // closing a dead connection
            }
            body = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeBody();
    }

    /** A permanent failure: not retried here; carries the message for the operator. */
    static final class Failure extends IOException {
        final FetchException reason;

        Failure(FetchException reason) {
            super(reason.getMessage());
            this.reason = reason;
        }
    }
}
