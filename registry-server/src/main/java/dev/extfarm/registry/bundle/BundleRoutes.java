package dev.extfarm.registry.bundle;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.auth.BearerTokenMechanism;
import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.TokenService;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.blob.BlobStoreConfig;
import dev.extfarm.registry.http.RequestTargets;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.problem.ProblemMapper;
import dev.extfarm.registry.serving.BlobServing;
import dev.extfarm.registry.serving.BlobServing.Access;
import dev.extfarm.registry.serving.BlobServing.SignedLink;
import dev.extfarm.registry.serving.RangeAnswer;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET}/{@code HEAD /extensions/{name}/sha-256+{hex}/{bundle.tar | <ext>.control}} on the
 * Vert.x router, off JAX-RS: public bytes are sent from the event loop with {@code sendFile}
 * (zero-copy on plain HTTP/1.1), after in-memory checks only; bytes were verified on upload and
 * are never re-hashed. Who may have them and which bytes a request gets is {@link BlobServing}'s
 * decision (private bundles need a valid signed link or the token of someone who may see them; to
 * anyone else they do not exist: 404); this class only writes the answer.
 */
@ApplicationScoped
public class BundleRoutes {

    static final String PUBLIC_CACHE = "public, max-age=31536000, immutable";
    static final String PRIVATE_CACHE = "private";

    // Header names and constant values encoded once (Netty AsciiString), not on every response.
    private static final CharSequence ETAG = HttpHeaders.createOptimized("ETag");
    private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
    private static final CharSequence ACCEPT_RANGES = HttpHeaders.createOptimized("Accept-Ranges");
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence BYTES = HttpHeaders.createOptimized("bytes");
    private static final CharSequence TAR = HttpHeaders.createOptimized("application/x-tar");
    private static final CharSequence JOSE = HttpHeaders.createOptimized("application/jose+json");
    private static final CharSequence TEXT = HttpHeaders.createOptimized("text/plain; charset=utf-8");
    private static final CharSequence PUBLIC = HttpHeaders.createOptimized(PUBLIC_CACHE);
    private static final CharSequence PRIVATE = HttpHeaders.createOptimized(PRIVATE_CACHE);

    @Inject
    BlobStore store;
    @Inject
    BlobStoreConfig blobConfig;
    @Inject
    BlobServing serving;
    @Inject
    TokenService tokens;
    @Inject
    S3Streamer s3Streamer;

    /** What a request asks for, once its path is parsed. */
    record Target(BundleAddress address, String control, BlobKey key, String etag, String contentType) {
        /** {@code bundle.tar.sig}: replaced when the farm's key rotates, so never cached as immutable. */
        boolean isSignature() {
            return key.path().endsWith(SIGNATURE_FILE);
        }

        /** Cache-Control of a public target: a signature is replaced when the farm's key rotates. */
        String publicCacheControl() {
            return isSignature() ? SIGNATURE_CACHE : PUBLIC_CACHE;
        }

        String metricPath() {
            return control == null ? MetricPath.BUNDLE : MetricPath.CONTROL;
        }
    }

    static final String SIGNATURE_FILE = BundleAddress.FILE_NAME + ".sig";
    static final String SIGNATURE_CACHE = "public, max-age=300";

    /** A public blob already found on local disk: immutable, so its path and size can be remembered. */
    record LocalHit(Target target, String file, long size) {
    }

    private static final int HIT_CACHE_MAX = 10_000;
    private final ConcurrentHashMap<String, LocalHit> hits = new ConcurrentHashMap<>();

    /**
     * First on the router (before Quarkus' own authentication and JAX-RS pre-handlers, which these
     * paths do not use): a prefix route, not a regex. PUT and everything else fall through to JAX-RS.
     */
    void routes(@Observes Router router) {
        router.route("/extensions/*").order(Integer.MIN_VALUE + 1).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        HttpMethod method = req.method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            ctx.next();
            return;
        }
        LocalHit hit = hits.get(req.path());
        if (hit != null && req.query() == null && serving.isPublic(hit.target().address().name())) {
            MetricPath.name(hit.target().metricPath());
            sendLocal(ctx, hit.target(), hit.file(), hit.size(), PUBLIC_CACHE);
            return;
        }
        try {
            String decoded = path(req);
            if (decoded.chars().filter(c -> c == '/').count() != 4) {
                ctx.next(); // not a bundle path: JAX-RS answers (404 problem)
                return;
            }
            Target t = target(decoded);
            MetricPath.name(t.metricPath());
            if (serving.isPublic(t.address().name())) {
                serve(ctx, t, Access.PUBLIC);
                return;
            }
            String bearer = BearerTokenMechanism.bearer(req.getHeader("Authorization"));
            Optional<Principal> cached = tokens.cachedPrincipal(bearer);
            if (bearer == null || cached.isPresent()) {
                authorizePrivate(ctx, t, bearer == null ? null : cached.get());
                return;
            }
            ctx.vertx().executeBlocking(() -> tokens.authenticate(bearer), false).onComplete(ar -> {
                try {
                    if (ar.failed()) {
                        throw new IllegalStateException(ar.cause());
                    }
                    Principal p = ar.result().orElseThrow(() -> ExtfarmException.unauthenticated(
                            "the bearer token is unknown or revoked; ask an admin for a new one"));
                    authorizePrivate(ctx, t, p);
                } catch (RuntimeException e) {
                    fail(ctx, e);
                }
            });
        } catch (RuntimeException e) {
            fail(ctx, e);
        }
    }

    /** The path with percent-escapes decoded ({@code %2B} is how many clients send the '+' of the digest). */
    static String path(HttpServerRequest req) {
        return decode(req.path());
    }

    /**
     * A raw request path with percent-escapes decoded ('+' stays '+': it is the digest's, not a space);
     * a malformed escape, bytes that are not UTF-8 or a control character are a 400 problem.
     */
    static String decode(String raw) {
        return RequestTargets.decodePath(raw);
    }

    static Target target(String path) {
        String[] seg = path.substring(1).split("/", -1);
        if (seg.length != 4 || !seg[0].equals("extensions")) {
            throw ExtfarmException.notFound("not-found", "bundle paths look like /extensions/<name>/sha-256+<hex>/bundle.tar");
        }
        BundleAddress address = ServePaths.address(seg[1], seg[2]);
        if (seg[3].equals(SIGNATURE_FILE)) {
            return new Target(address, null, BlobKey.signature(address), "\"" + address.digest() + "/" + SIGNATURE_FILE + "\"",
                    "application/jose+json");
        }
        String control = ServePaths.controlName(seg[3]);
        if (control == null) {
            return new Target(address, null, BlobKey.bundle(address), "\"" + address.digest() + "\"", "application/x-tar");
        }
        return new Target(address, control, BlobKey.control(address, control),
                "\"" + address.digest() + "/" + control + ".control\"", "text/plain; charset=utf-8");
    }

    /** A private bundle: the caller's link or token decides ({@link BlobServing#bundle}); the caller resolved, no blocking. */
    private void authorizePrivate(RoutingContext ctx, Target t, Principal principal) {
        HttpServerRequest req = ctx.request();
        SignedLink link = SignedLink.of(req.getParam("tenant"), req.getParam("exp"), req.getParam("sig"));
        Access access = serving.bundle(t.address().name(), req.method().name(), path(req), link, principal, Instant.now())
                .orElseThrow(() -> notFound(t));
        serve(ctx, t, access);
    }

    static ExtfarmException notFound(Target t) {
        if (t.isSignature()) {
            return ExtfarmException.notFound("signature-not-found", "no signature at /" + t.key() + " (yet): the registry signs "
                    + "every bundle it accepts, older ones within a minute; find addresses in GET /api/v1/extensions/" + t.address().name());
        }
        return ExtfarmException.notFound("bundle-not-found", "no " + (t.control() == null ? "bundle" : t.control() + ".control")
                + " at /" + t.key() + "; find addresses in GET /api/v1/extensions/" + t.address().name());
    }

    private void serve(RoutingContext ctx, Target t, Access access) {
        boolean isPrivate = access.isPrivate();
        String cacheControl = isPrivate ? PRIVATE_CACHE : t.publicCacheControl();
        Optional<Path> local = store.localFile(t.key());
        if (local.isEmpty()) {
            if (access == Access.LINK && blobConfig.s3().redirectSignedLinks()) {
                var url = store.presignedGet(t.key(), Duration.ofMinutes(5));
                if (url.isPresent()) {
                    ctx.response().setStatusCode(302).putHeader("Location", url.get().toString())
                            .putHeader("Cache-Control", "no-store").end();
                    return;
                }
            }
            s3Streamer.serve(ctx, t, cacheControl);
            return;
        }
        long size;
        try {
            size = Files.size(local.get());
        } catch (NoSuchFileException e) {
            throw notFound(t);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + t.key() + ": " + e.getMessage(), e);
        }
        String file = local.get().toString();
        if (!isPrivate && !t.isSignature() && hits.size() < HIT_CACHE_MAX) {
            hits.put(ctx.request().path(), new LocalHit(t, file, size));
        }
        sendLocal(ctx, t, file, size, cacheControl);
    }

    /** Forgets a remembered local blob (for whoever deletes blobs, e.g. garbage collection). */
    public void forget(BlobKey key) {
        hits.values().removeIf(h -> h.target().key().equals(key));
    }

    private static void sendLocal(RoutingContext ctx, Target t, String file, long size, String cacheControl) {
        RangeAnswer answer = prepare(ctx, t, size, cacheControl);
        var resp = ctx.response();
        if (resp.ended()) {
            return;
        }
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.putHeader("Content-Length", Long.toString(answer.length())).end();
        } else {
            resp.sendFile(file, answer.start(), answer.length());
        }
    }

    /**
     * Sets the headers of {@link BlobServing#answer}'s answer; writes 304 and 416 itself (then the
     * response has ended). Returns the answer: the bytes to send.
     */
    static RangeAnswer prepare(RoutingContext ctx, Target t, long size, String cacheControl) {
        var req = ctx.request();
        var resp = ctx.response();
        resp.putHeader(ETAG, t.etag()).putHeader(CACHE_CONTROL, cacheControl.equals(PUBLIC_CACHE) ? PUBLIC
                : cacheControl.equals(PRIVATE_CACHE) ? PRIVATE : cacheControl).putHeader(ACCEPT_RANGES, BYTES);
        RangeAnswer answer = BlobServing.answer(size, t.etag(), req.getHeader("If-None-Match"), req.getHeader("Range"),
                req.getHeader("If-Range"));
        if (answer.isNotModified()) {
            resp.setStatusCode(304).end();
            return answer;
        }
        if (answer.isUnsatisfiable()) {
            resp.putHeader("Content-Range", answer.contentRange());
            ProblemMapper.write(resp, req.path(), unsatisfiable(req.getHeader("Range"), size));
            return answer;
        }
        resp.putHeader(CONTENT_TYPE, t.isSignature() ? JOSE : t.control() == null ? TAR : TEXT);
        if (answer.isPartial()) {
            resp.setStatusCode(206).putHeader("Content-Range", answer.contentRange());
        }
        return answer;
    }

    /** The 416 problem of a range past the end (main port and edge). */
    static ExtfarmException unsatisfiable(String range, long size) {
        return new ExtfarmException(ExtfarmException.Kind.RANGE_NOT_SATISFIABLE, "range-not-satisfiable",
                "Range not satisfiable", "the range '" + range + "' starts past the end of the " + size
                + " bytes; ask for bytes=0-" + Math.max(0, size - 1) + " or less");
    }

    static void fail(RoutingContext ctx, Throwable e) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        if (e instanceof ExtfarmException x) {
            ProblemMapper.write(ctx.response(), ctx.request().path(), x);
        } else {
            String id = UUID.randomUUID().toString();
            Log.errorf(e, "unexpected failure %s serving %s", id, ctx.request().path());
            ProblemMapper.write(ctx.response(), ctx.request().path(), new ExtfarmException(ExtfarmException.Kind.UNAVAILABLE,
                    "internal", "Internal error", "the server failed unexpectedly; report incident " + id + " to the operators"));
        }
    }
}
