package dev.extfarm.registry.bundle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The bundle edge ({@link BundleEdge}): a second, lean HTTP/1.1 port of the same process that
 * serves public bundle bytes only. Off unless {@code extfarm.edge.port} (EXTFARM_EDGE_PORT) is set.
 */
@ConfigMapping(prefix = "extfarm.edge")
public interface EdgeConfig {

    /** The port. Unset: no edge. 0: any free port (tests). */
    OptionalInt port();

    /** The interface it listens on; default: the main port's ({@code quarkus.http.host}). */
    Optional<String> host();

    /** Event-loop threads; default: one per available processor. */
    OptionalInt threads();

    /**
     * Where requests the edge does not answer itself are redirected (307): private bundles (which
     * need a link or a token), blobs in S3. Default: {@code extfarm.links.public-url}, else the
     * request's host name with the main port.
     */
    Optional<URI> registryUrl();

    /**
     * The edge's address as compute nodes reach it, e.g. http://bundles.example.com:7788. Set: the
     * links of public bundles in compute specs point here (private ones stay on the main port, signed).
     */
    Optional<URI> publicUrl();

    /** Send file responses of up to 1 MiB with TCP_CORK (epoll): head and body in full segments, as nginx's tcp_nopush. */
    @WithDefault("true")
    boolean cork();

    /**
     * Bytes of a response a connection may hold in the kernel not yet sent (TCP_NOTSENT_LOWAT,
     * epoll only); 0 leaves the system's setting (net.ipv4.tcp_notsent_lowat, unlimited by default).
     * Without a limit one sendfile(2) call queues up to the whole send buffer (tcp_wmem's maximum,
     * 4 MiB by default) per connection, and a client that reads slowly pins all of it; with it the
     * edge tops the queue up as it drains. On the same host this also keeps the sending (and the
     * loopback's receive processing) on the edge's core instead of the reader's: 50 MB bodies went
     * from 33 to 63 requests/s in an A/B on 2 cores (docs/performance.md, session 6).
     */
    @WithDefault("32768")
    int notsentLowat();

    /** A connection with no request for this long is closed. */
    @WithDefault("60s")
    Duration idleTimeout();
}
