package dev.extfarm.registry.bundle;

import dev.extfarm.registry.http.RequestTargets;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.protocol.Problem;
import dev.extfarm.registry.problem.ProblemMapper;
import dev.extfarm.registry.serving.BlobServing;
import dev.extfarm.registry.serving.RangeAnswer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the bundle edge. Requests are answered in order, synchronously on the event
 * loop (a map look-up, an {@code open(2)}, a head and a file region), so pipelined requests get
 * their responses in order. Reading stops while the socket cannot take more (a client that
 * pipelines without reading does not pile up responses in memory).
 */
final class EdgeHandler extends ChannelInboundHandlerAdapter {

    private final BundleEdge edge;

    EdgeHandler(BundleEdge edge) {
        this.edge = edge;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req && !ending) {
                answer(ctx, req);
            }
            // request bodies (HttpContent) are read and dropped: GET and HEAD have none worth reading, others are refused
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            malformed(ctx, req.decoderResult().cause());
            return;
        }
        if (req.protocolVersion() != HttpVersion.HTTP_1_1 && req.protocolVersion() != HttpVersion.HTTP_1_0) {
            problem(ctx, null, false, ExtfarmException.invalid("unsupported-http-version", "the request line says "
                    + req.protocolVersion() + "; the bundle edge speaks HTTP/1.1 (and 1.0)"));
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        String uri = req.uri();
        try {
            // origin-form, visible ASCII, well-formed escapes: a 400 before anything else looks at it
            RequestTargets.checkOriginForm(uri);
        } catch (ExtfarmException e) {
            problem(ctx, req, keepAlive, e);
            return;
        }
        HttpMethod method = req.method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            // a body may follow (an upload): answered now, the body is read and dropped as it comes (channelRead),
            // and the connection stays usable, as nginx discards the body of a request it refuses
            problem(ctx, req, keepAlive, new ExtfarmException(ExtfarmException.Kind.INVALID, "method-not-allowed",
                    "Method not allowed", "the bundle edge serves GET and HEAD of public bundles only; upload "
                    + "(PUT) to the registry's main port: " + edge.registryBase(req.headers().get(HttpHeaderNames.HOST))),
                    405);
            return;
        }
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        BundleEdge.Remembered r;
        try {
            r = edge.find(rawPath);
        } catch (ExtfarmException e) {
            problem(ctx, req, keepAlive, e);
            return;
        } catch (RuntimeException e) {
            internal(ctx, req, e);
            return;
        }
        if (r == null) {
            redirect(ctx, req, keepAlive, uri);
            return;
        }
        serve(ctx, req, keepAlive, rawPath, r);
    }

    /**
     * A request Netty could not parse as HTTP/1.x (request line, header syntax, sizes): 400 with what
     * was wrong, and the connection ends (what follows cannot be framed).
     */
    private void malformed(ChannelHandlerContext ctx, Throwable cause) {
        ExtfarmException e;
        if (cause instanceof TooLongHttpLineException) {
            e = ExtfarmException.invalid("request-line-too-long", "the request line is over " + BundleEdge.MAX_REQUEST_LINE
                    + " bytes; bundle paths (with a signed link's query) are far shorter");
        } else if (cause instanceof TooLongHttpHeaderException) {
            e = ExtfarmException.invalid("headers-too-large", "the request's headers are over " + BundleEdge.MAX_HEADERS
                    + " bytes in all; send fewer or shorter headers");
        } else {
            e = ExtfarmException.invalid("bad-request", "the request could not be parsed as HTTP/1.1: " + cause.getMessage());
        }
        problem(ctx, null, false, e);
    }

    private void serve(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, String rawPath, BundleEdge.Remembered r) {
        BundleRoutes.Target t = r.target();
        boolean http10 = req.protocolVersion() == HttpVersion.HTTP_1_0;
        boolean head = req.method() == HttpMethod.HEAD;
        var headers = req.headers();
        String rangeHeader = headers.get(HttpHeaderNames.RANGE);
        RangeAnswer answer = BlobServing.answer(r.size(), t.etag(), headers.get(HttpHeaderNames.IF_NONE_MATCH), rangeHeader,
                headers.get(HttpHeaderNames.IF_RANGE));
        if (answer.isNotModified()) {
            EdgeResponse notModified = new EdgeResponse(304, "Not Modified").header("ETag", t.etag())
                    .header("Cache-Control", t.publicCacheControl());
            finish(ctx, EdgeResponse.encode(ctx.alloc(), notModified.headerBytes(), edge.currentDateLine(), keepAlive, http10),
                    null, keepAlive);
            edge.served.increment();
        } else if (answer.isUnsatisfiable()) {
            problem(ctx, req, keepAlive, BundleRoutes.unsatisfiable(rangeHeader, r.size()), 416,
                    "Content-Range", answer.contentRange());
        } else if (answer.isPartial()) {
            EdgeResponse partial = new EdgeResponse(206, "Partial Content").header("Content-Type", t.contentType())
                    .header("Content-Length", answer.length()).header("Content-Range", answer.contentRange())
                    .header("ETag", t.etag()).header("Accept-Ranges", "bytes")
                    .header("Cache-Control", t.publicCacheControl());
            sendFile(ctx, rawPath, r, partial.headerBytes(), answer.start(), answer.length(), head, keepAlive, http10);
        } else {
            sendFile(ctx, rawPath, r, r.okHead(), 0, r.size(), head, keepAlive, http10);
        }
    }

    private void sendFile(ChannelHandlerContext ctx, String rawPath, BundleEdge.Remembered r, byte[] headBytes,
            long offset, long length, boolean head, boolean keepAlive, boolean http10) {
        DefaultFileRegion body = null;
        if (!head && length > 0) {
            try {
                // opened now, not lazily by the region: a blob deleted since it was remembered is a 404, not a cut body
                body = new DefaultFileRegion(FileChannel.open(r.file(), StandardOpenOption.READ), offset, length);
            } catch (NoSuchFileException e) {
                edge.forget(rawPath);
                problem(ctx, null, keepAlive, BundleRoutes.notFound(r.target()));
                return;
            } catch (IOException e) {
                internal(ctx, null, e);
                return;
            }
        }
        finish(ctx, EdgeResponse.encode(ctx.alloc(), headBytes, edge.currentDateLine(), keepAlive, http10), body, keepAlive);
        edge.served.increment();
    }

    private void redirect(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, String uri) {
        String location = edge.registryBase(req.headers().get(HttpHeaderNames.HOST)) + uri; // origin-form, checked
        EdgeResponse resp = new EdgeResponse(307, "Temporary Redirect").header("Location", location)
                .header("Cache-Control", "no-store").header("Content-Length", 0);
        finish(ctx, EdgeResponse.encode(ctx.alloc(), resp.headerBytes(), edge.currentDateLine(), keepAlive,
                req.protocolVersion() == HttpVersion.HTTP_1_0), null, keepAlive);
        edge.redirected.increment();
    }

    private void problem(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, ExtfarmException e) {
        problem(ctx, req, keepAlive, e, ProblemMapper.status(e.kind()));
    }

    private void problem(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, ExtfarmException e, int status,
            String... extraHeaders) {
        String path = req == null ? null : req.uri();
        Problem p = ProblemMapper.problem(e, path, status); // the body's status is the status line's
        byte[] json = ProblemMapper.json(p);
        EdgeResponse resp = new EdgeResponse(status, p.title()).header("Content-Type", Problem.MEDIA_TYPE)
                .header("Content-Length", json.length);
        for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
            resp.header(extraHeaders[i], extraHeaders[i + 1]);
        }
        boolean http10 = req != null && req.protocolVersion() == HttpVersion.HTTP_1_0;
        ByteBuf buf = EdgeResponse.encode(ctx.alloc(), resp.headerBytes(), edge.currentDateLine(), keepAlive, http10);
        if (req == null || req.method() != HttpMethod.HEAD) {
            buf.writeBytes(json);
        }
        finish(ctx, buf, null, keepAlive);
        edge.failed.increment();
    }

    private void internal(ChannelHandlerContext ctx, HttpRequest req, Exception e) {
        String id = UUID.randomUUID().toString();
        Log.errorf(e, "unexpected failure %s on the bundle edge", id);
        problem(ctx, req, false, new ExtfarmException(ExtfarmException.Kind.UNAVAILABLE, "internal", "Internal error",
                "the bundle edge failed unexpectedly; report incident " + id + " to the operators"), 500);
    }

    private void finish(ChannelHandlerContext ctx, ByteBuf head, DefaultFileRegion body, boolean keepAlive) {
        if (body == null) {
            var done = ctx.writeAndFlush(head);
            if (!keepAlive) {
                endAfter(ctx, done);
            }
            return;
        }
        // small bodies only: a large one fills its segments anyway, and corking it measured slower
        boolean cork = edge.cork() && body.count() <= CORK_MAX_BYTES && ctx.channel() instanceof EpollSocketChannel;
        if (cork && corkedBodies++ == 0) {
            // like nginx's tcp_nopush: the head and the file leave in full segments, not a small
            // segment for the head and a short one at the end of every sendfile(2) call
            ctx.channel().config().setOption(EpollChannelOption.TCP_CORK, true);
        }
        ctx.write(head, ctx.voidPromise());
        var done = ctx.writeAndFlush(body);
        if (cork) {
            done.addListener(f -> {
                if (--corkedBodies == 0 && ctx.channel().isOpen()) {
                    ctx.channel().config().setOption(EpollChannelOption.TCP_CORK, false);
                }
            });
        }
        if (!keepAlive) {
            endAfter(ctx, done);
        }
    }

    /** Seconds a connection that ends keeps reading what the client still sends (see {@link #endAfter}). */
    private static final long LINGER_SECONDS = 5;

    /** The connection ends after its last answer: later pipelined requests are not answered. */
    private boolean ending;

    /**
     * Ends the connection once {@code lastAnswer} is written, with a lingering close as nginx's: stop
     * sending (FIN), then read and drop what the client still sends (say, the rest of a request the
     * edge could not parse) until it closes, or for {@value #LINGER_SECONDS} s. Closing with unread bytes in the
     * socket makes the kernel answer with a reset, and the client can lose the response it has not
     * read yet ("header parser received no bytes").
     */
    private void endAfter(ChannelHandlerContext ctx, ChannelFuture lastAnswer) {
        ending = true;
        lastAnswer.addListener(f -> {
            if (f.isSuccess() && ctx.channel() instanceof DuplexChannel duplex && duplex.isActive()) {
                ctx.channel().config().setAutoRead(true);
                duplex.shutdownOutput().addListener(x -> ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS));
            } else {
                ctx.close();
            }
        });
    }

    private static final long CORK_MAX_BYTES = 1 << 20;

    /** File bodies written and not yet sent on this connection (event-loop confined). */
    private int corkedBodies;

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a client that went away mid-body (reset, broken pipe) is routine for a file server
        Log.debugf("bundle edge connection %s closed: %s", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
