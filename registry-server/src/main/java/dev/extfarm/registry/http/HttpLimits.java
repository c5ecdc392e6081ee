package dev.extfarm.registry.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the main port receives request bodies (docs/registry.md): each body is read by the event
 * loop into memory or a temporary file before any worker thread sees it, so a client that stops
 * sending holds a socket and a few buffers, never a thread.
 */
@ConfigMapping(prefix = "extfarm.http")
public interface HttpLimits {

    /**
     * A request body that sends nothing for this long is answered 408 (when nothing was answered
     * yet) and its connection closed.
     */
    @WithDefault("30s")
    Duration bodyIdleTimeout();

    /** Requests with a body in flight at once per token (anonymous: per client address); more get 429. */
    @WithDefault("32")
    int maxBodiesPerToken();

    /** What a 429 asks the client to wait ({@code Retry-After}, whole seconds). */
    @WithDefault("5s")
    Duration retryAfter();

    /**
     * The largest body of an endpoint that has no size limit of its own (JSON documents, recipes,
     * log chunks); larger ones are answered 413 without being read. Bundle and OCI uploads have
     * their own limits ({@code extfarm.bundle.max-size}, {@code extfarm.oci.max-blob-size}).
     */
    @WithDefault("33554432")
    long maxDocumentSize();

    /** Bodies up to this many bytes wait in memory; larger ones in a temporary file. */
    @WithDefault("262144")
    int spoolMemory();

    /** Where larger bodies wait until they are complete; default {@code <extfarm.data-dir>/spool}. */
    Optional<Path> spoolDir();
}
