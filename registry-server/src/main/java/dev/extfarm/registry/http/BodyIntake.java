package dev.extfarm.registry.http;

import dev.extfarm.registry.problem.ExtfarmException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Request bodies on the main port, received before any worker thread works on them (why: a worker
 * thread that reads a body from the network waits as long as the client makes it, and a few hundred
 * clients that stop sending held every worker thread, so that catalog and compute-spec requests
 * timed out for everyone). The event loop reads each body into memory or a temporary file
 * ({@link BodyReception}); the endpoint then reads it at disk speed. A body that sends nothing for
 * {@code extfarm.http.body-idle-timeout} is answered 408 and its connection closed; a token may have
 * {@code extfarm.http.max-bodies-per-token} bodies in flight, and gets 429 beyond that before any of
 * the body is read. JAX-RS endpoints get their bodies through {@link BodyIntakeFilter}, the OCI
 * routes by calling {@link #receive} themselves.
 */
@ApplicationScoped
public class BodyIntake {

    /** What to do with a body over the endpoint's limit. */
    public enum Overflow {
        /** 413 {@code body-too-large} from here: the endpoint has no limit of its own. */
        REFUSE,
        /**
         * The endpoint refuses it with its own problem: a {@code Content-Length} over the limit is not
         * read at all (the endpoint checks the header first), a longer streamed body is cut one byte
         * past the limit (the endpoint sees that it is over).
         */
        ENDPOINT
    }

    @Inject
    HttpLimits limits;
    @Inject
    Vertx vertx;
    @Inject
    MeterRegistry meters;
    @ConfigProperty(name = "extfarm.data-dir")
    Path dataDir;

    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
    private volatile Path spoolDir;

    /** Removes the bodies a killed process left behind: the spool directory belongs to one process, like the blob store's. */
    void start(@Observes StartupEvent e) throws IOException {
        Gauge.builder("extfarm.http.bodies.in.flight", inFlight, m -> m.values().stream().mapToInt(Integer::intValue).sum())
                .description("request bodies being received or read on the main port").register(meters);
        Path dir = spoolDir();
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().startsWith("body-")).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ex) {
                    Log.warnf("cannot remove the leftover request body %s: %s", f, ex.getMessage());
                }
            });
        }
    }

    Path spoolDir() {
        if (spoolDir == null) {
            spoolDir = limits.spoolDir().orElse(dataDir.resolve("spool")).toAbsolutePath();
        }
        return spoolDir;
    }

    /** Whether the request carries a body (a {@code Content-Length} over 0, or a chunked one). */
    public static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.strip().equals("0");
        }
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    /**
     * Receives the body of a request whose caller is known, on the request's event loop, with the
     * request still paused (no byte may have been dropped). Fails with the 429, 413 or 408 problem;
     * whatever the body holds (a permit, a file) is released when the request is over.
     *
     * @param caller who sends it: {@code token:<id>}, or {@code anonymous:<address>}
     */
    public Future<SpooledBody> receive(RoutingContext ctx, String caller, long limit, Overflow overflow) {
        HttpServerRequest request = ctx.request();
        if (!acquire(caller)) {
            return Future.failedFuture(tooMany(caller));
        }
        ctx.addEndHandler(v -> release(caller));
        long declared = declaredLength(request);
        if (declared > limit) {
            if (overflow == Overflow.REFUSE) {
                return Future.failedFuture(tooLarge(limit));
            }
            return Future.succeededFuture(SpooledBody.inMemory(new byte[0]));
        }
        BodyReception reception = new BodyReception(vertx, request, limit, overflow == Overflow.REFUSE,
                limits.bodyIdleTimeout().toMillis(), limits.spoolMemory(), spoolDir());
        ctx.addEndHandler(v -> {
            try {
                reception.release();
            } catch (RuntimeException e) { // never into the response's end: it would fail the answer
                Log.warnf("could not release a request body: %s", e.toString());
            }
        });
        return reception.start().onFailure(t -> {
            if (t instanceof ExtfarmException e && e.kind() == ExtfarmException.Kind.TIMEOUT) {
                RequestGuard.closeAfterAnswer(ctx); // nothing more is coming: no use keeping the connection
            }
        });
    }

    /** Bodies in flight for this caller now (for tests and metrics). */
    int inFlight(String caller) {
        return inFlight.getOrDefault(caller, 0);
    }

    private boolean acquire(String caller) {
        int max = limits.maxBodiesPerToken();
        boolean[] granted = {false};
        inFlight.compute(caller, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                return now;
            }
            granted[0] = true;
            return now + 1;
        });
        return granted[0];
    }

    private void release(String caller) {
        inFlight.computeIfPresent(caller, (k, n) -> n <= 1 ? null : n - 1);
    }

    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1; // the HTTP layer refuses such requests before they get here
        }
    }

    private ExtfarmException tooMany(String caller) {
        long seconds = Math.max(1, limits.retryAfter().toSeconds());
        return new ExtfarmException(ExtfarmException.Kind.TOO_MANY_REQUESTS, "too-many-uploads", "Too many uploads",
                (caller.startsWith("token:") ? "this token has " : "this client has ") + limits.maxBodiesPerToken()
                        + " requests with a body in flight, the most it may have (extfarm.http.max-bodies-per-token); "
                        + "nothing of this one was read: send it again when one of them has finished")
                .with("retry_after", seconds).with("limit", limits.maxBodiesPerToken());
    }

    static ExtfarmException tooLarge(long limit) {
        return new ExtfarmException(ExtfarmException.Kind.TOO_LARGE, "body-too-large", "Request body too large",
                "this endpoint takes bodies of at most " + limit + " bytes; nothing was done").with("limit", limit);
    }

    static ExtfarmException idle(long idleNanos, long received) {
        return new ExtfarmException(ExtfarmException.Kind.TIMEOUT, "body-idle-timeout", "Request body timed out",
                "the request body sent nothing for " + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s (after "
                        + received + " bytes; extfarm.http.body-idle-timeout); nothing was done and the connection is "
                        + "closed: send the request again");
    }
}
