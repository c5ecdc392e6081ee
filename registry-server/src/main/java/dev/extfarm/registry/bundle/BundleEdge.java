package dev.extfarm.registry.bundle;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.links.LinkConfig;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.serving.BlobServing;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bundle edge: a second port of the registry process, a plain Netty HTTP/1.1 server that
 * answers {@code GET}/{@code HEAD} of public bundles, their control files and signatures from the
 * filesystem blob store with {@code sendfile(2)}, and redirects (307) everything else it could
 * answer only with the main port's machinery (private bundles, blobs in S3) to the main port.
 *
 * <p>Why a second server: the main port runs every request through Quarkus' HTTP layer (router,
 * request context, metrics), which costs more CPU per small response than the bytes themselves; a
 * bare Netty pipeline (request decoder, this handler, pre-encoded response heads) serves a 100 KB
 * bundle at about nginx's rate. Point a load balancer's {@code GET /extensions/*} (or a CDN's
 * origin) at it; see docs/registry.md.
 */
@ApplicationScoped
public class BundleEdge {

    private static final int REMEMBERED_MAX = 10_000;
    static final int MAX_REQUEST_LINE = 8192;
    static final int MAX_HEADERS = 16384;
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

    @Inject
    EdgeConfig config;
    @Inject
    BlobStore store;
    @Inject
    BlobServing serving;
    @Inject
    LinkConfig links;
    @Inject
    MeterRegistry meters;
    @ConfigProperty(name = "quarkus.http.host", defaultValue = "127.0.0.1")
    String mainHost;

    /** A public blob found on local disk once: immutable, so its file, size and 200 head are kept. */
    record Remembered(BundleRoutes.Target target, Path file, long size, byte[] okHead) {
    }

    private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();
    final LongAdder served = new LongAdder();
    final LongAdder redirected = new LongAdder();
    final LongAdder failed = new LongAdder();
    private volatile int mainPort;
    private volatile byte[] dateLine = dateLine();
    private EventLoopGroup group;
    private Channel server;

    void start(@Observes StartupEvent e) {
        if (config.port().isEmpty()) {
            return;
        }
        boolean epoll = Epoll.isAvailable();
        int threads = config.threads().orElse(Runtime.getRuntime().availableProcessors());
        group = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        String host = config.host().orElse(mainHost);
        long idleSeconds = Math.max(1, config.idleTimeout().toSeconds());
        try {
            ServerBootstrap boot = new ServerBootstrap().group(group).channel(channel)
                    .childOption(ChannelOption.TCP_NODELAY, true);
            if (epoll && config.notsentLowat() > 0) {
                boot.childOption(EpollChannelOption.TCP_NOTSENT_LOWAT, (long) config.notsentLowat());
            }
            server = boot
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(
                                    new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS),
                                    // request line ≤ 8 KiB (signed links carry a query), headers ≤ 16 KiB
                                    new HttpRequestDecoder(MAX_REQUEST_LINE, MAX_HEADERS, 8192, false),
                                    new EdgeHandler(BundleEdge.this));
                        }
                    })
                    .bind(host, config.port().getAsInt()).syncUninterruptibly().channel();
        } catch (RuntimeException ex) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("the bundle edge cannot listen on " + host + ":" + config.port().getAsInt()
                    + " (" + ex.getMessage() + "); set EXTFARM_EDGE_PORT to a free port, or unset it to run without the edge", ex);
        }
        group.scheduleAtFixedRate(() -> dateLine = dateLine(), 1, 1, TimeUnit.SECONDS);
        FunctionCounter.builder("extfarm.edge.responses", served, LongAdder::doubleValue).tag("outcome", "served")
                .description("responses of the bundle edge").register(meters);
        FunctionCounter.builder("extfarm.edge.responses", redirected, LongAdder::doubleValue).tag("outcome", "redirected")
                .register(meters);
        FunctionCounter.builder("extfarm.edge.responses", failed, LongAdder::doubleValue).tag("outcome", "error")
                .register(meters);
        Log.infof("bundle edge listening on http://%s:%d (%s, %d event loops): public bundles only, the rest is redirected",
                host, port(), epoll ? "epoll" : "nio", threads);
    }

    void mainServerStarted(@Observes HttpServerStart started) {
        mainPort = started.options().getPort();
    }

    /** The main port: as bound (a configured 0 is known only once Quarkus has set the actual port). */
    private int mainPort() {
        if (mainPort <= 0) {
            String key = LaunchMode.current() == LaunchMode.TEST
                    ? "quarkus.http.test-port" : "quarkus.http.port";
            mainPort = ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(7780);
        }
        return mainPort;
    }

    void stop(@Observes ShutdownEvent e) {
        if (server != null) {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /** The port the edge listens on; -1 when it is off. */
    public int port() {
        return server == null ? -1 : ((InetSocketAddress) server.localAddress()).getPort();
    }

    byte[] dateLine() {
        return ("Date: " + HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether file responses are sent with TCP_CORK (epoll only; a switch for measuring it). */
    boolean cork() {
        return config.cork();
    }

    byte[] currentDateLine() {
        return dateLine;
    }

    /**
     * A public bundle file on local disk for this raw path, remembered after the first look-up; null
     * when the edge should redirect (private, or not on local disk). Throws the 400/404 problems.
     */
    Remembered find(String rawPath) {
        Remembered r = remembered.get(rawPath);
        if (r != null) {
            return serving.isPublic(r.target().address().name()) ? r : null;
        }
        String decoded = BundleRoutes.decode(rawPath);
        if (!decoded.startsWith("/extensions/") || decoded.chars().filter(c -> c == '/').count() != 4) {
            throw ExtfarmException.notFound("not-found", "this is the bundle edge: it serves "
                    + "/extensions/<name>/sha-256+<hex>/bundle.tar (and <extension>.control, bundle.tar.sig) only; "
                    + "everything else is on the registry's main port");
        }
        BundleRoutes.Target t = BundleRoutes.target(decoded);
        if (!serving.isPublic(t.address().name())) {
            return null; // the main port decides who may have it
        }
        Optional<Path> local = store.localFile(t.key());
        if (local.isEmpty()) {
            return null;
        }
        long size;
        try {
            size = Files.size(local.get());
        } catch (NoSuchFileException e) {
            throw BundleRoutes.notFound(t);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + t.key() + ": " + e.getMessage(), e);
        }
        String cacheControl = t.publicCacheControl();
        byte[] ok = new EdgeResponse(200, "OK").header("Content-Type", t.contentType()).header("Content-Length", size)
                .header("ETag", t.etag()).header("Cache-Control", cacheControl).header("Accept-Ranges", "bytes")
                .headerBytes();
        r = new Remembered(t, local.get(), size, ok);
        // a signature is replaced when the farm's key rotates: looked up again every time
        if (!t.isSignature() && remembered.size() < REMEMBERED_MAX) {
            remembered.put(rawPath, r);
        }
        return r;
    }

    /** Forgets a remembered path whose file has gone (deleted blob): the next request looks again. */
    void forget(String rawPath) {
        remembered.remove(rawPath);
    }

    /** The main port's URL for a redirect: configured, else the request's host name with the main port. */
    String registryBase(String hostHeader) {
        Optional<URI> base = config.registryUrl().or(links::publicUrl);
        if (base.isPresent()) {
            return base.get().toString().replaceAll("/+$", "");
        }
        String hostName = mainHost.equals("0.0.0.0") || mainHost.equals("::") ? "localhost" : mainHost;
        if (hostHeader != null && !hostHeader.isBlank()) {
            String h = hostHeader.strip();
            int colon = h.startsWith("[") ? h.indexOf(':', h.indexOf(']')) : h.lastIndexOf(':');
            String name = colon < 0 ? h : h.substring(0, colon);
            if (HOST_NAME.matcher(name).matches()) { // never echo arbitrary bytes into a Location header
                hostName = name;
            }
        }
        return "http://" + hostName + ":" + mainPort();
    }
}
