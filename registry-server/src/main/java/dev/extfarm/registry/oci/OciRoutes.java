package dev.extfarm.registry.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.bundle.MetricPath;
import dev.extfarm.registry.http.BodyIntake;
import dev.extfarm.registry.http.SpooledBody;
import dev.extfarm.registry.problem.ExtfarmException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v2/}: the OCI distribution API on the Vert.x router (off JAX-RS, so blobs go out with
 * {@code sendFile} and every error uses the OCI envelope). Parses the path, resolves the caller
 * ({@link OciAuth}) and dispatches to {@link BlobRoutes}, {@link UploadRoutes} and
 * {@link ManifestRoutes}; answers the base endpoint and the token endpoint itself.
 */
@ApplicationScoped
public class OciRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    OciAuth auth;
    @Inject
    BlobRoutes blobs;
    @Inject
    UploadRoutes uploads;
    @Inject
    ManifestRoutes manifests;
    @Inject
    BodyIntake bodies;
    @Inject
    OciConfig config;

    void routes(@Observes Router router) {
        router.route("/v2").order(-200).handler(this::handle);
        router.route("/v2/*").order(-200).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        HttpMethod m = ctx.request().method();
        OciPath path;
        try {
            path = OciPath.parse(ctx.request().path());
        } catch (RuntimeException e) {
            new OciCall(ctx, null, Viewer.anonymous(), null, auth).fail(e);
            return;
        }
        MetricPath.name(metricPath(path.kind()));
        if (path.kind() == OciPath.Kind.TOKEN) {
            token(ctx, path);
            return;
        }
        boolean withBody = (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH) && BodyIntake.hasBody(ctx.request());
        if (withBody) {
            ctx.request().pause(); // before anything asynchronous: no byte of the body may flow before it is received
        }
        auth.viewer(ctx).onComplete(ar -> {
            Viewer viewer = ar.succeeded() ? ar.result() : Viewer.anonymous();
            if (ar.failed()) {
                new OciCall(ctx, path, viewer, null, auth).fail(ar.cause());
                return;
            }
            if (!withBody || viewer.tokenId() == null) { // anonymous pushes are refused (401) before the body is read
                dispatch(ctx, path, viewer, RequestBody.NONE);
                return;
            }
            // the whole body is received (memory or disk) before a worker thread reads it: see BodyIntake
            boolean manifest = path.kind() == OciPath.Kind.MANIFEST; // ManifestRoutes refuses an oversized one itself
            bodies.receive(ctx, "token:" + viewer.tokenId(), manifest ? config.maxManifestSize() : config.maxBlobSize(),
                    manifest ? BodyIntake.Overflow.ENDPOINT : BodyIntake.Overflow.REFUSE).onComplete(body -> {
                if (body.failed()) {
                    new OciCall(ctx, path, viewer, null, auth).fail(asOci(body.cause()));
                    return;
                }
                dispatch(ctx, path, viewer, body.result());
            });
        });
    }

    private void dispatch(RoutingContext ctx, OciPath path, Viewer viewer, SpooledBody body) {
        OciCall call = new OciCall(ctx, path, viewer, new RequestBody(body), auth);
        try {
            dispatch(call);
        } catch (RuntimeException e) {
            call.fail(e);
        }
    }

    /** The intake's refusals (429, 413, 408, a broken body) in the OCI envelope. */
    private static Throwable asOci(Throwable t) {
        if (!(t instanceof ExtfarmException e)) {
            return t;
        }
        return switch (e.kind()) {
            case TOO_MANY_REQUESTS -> new OciException(OciError.TOOMANYREQUESTS, e.getMessage())
                    .header("Retry-After", String.valueOf(e.extra().get("retry_after")));
            case TOO_LARGE -> new OciException(OciError.TOO_LARGE, e.getMessage());
            case TIMEOUT -> new OciException(OciError.BODY_TIMEOUT, e.getMessage());
            default -> new OciException(OciError.BLOB_UPLOAD_INVALID, e.getMessage());
        };
    }

    /** The {@code uri} tag of the HTTP metrics (see {@link MetricPath}). */
    static String metricPath(OciPath.Kind kind) {
        return switch (kind) {
            case BASE -> "/v2/";
            case CATALOG -> "/v2/_catalog";
            case TOKEN -> "/v2/token";
            case TAGS -> "/v2/{name}/tags/list";
            case MANIFEST -> "/v2/{name}/manifests/{reference}";
            case UPLOADS -> "/v2/{name}/blobs/uploads/";
            case UPLOAD -> "/v2/{name}/blobs/uploads/{id}";
            case BLOB -> "/v2/{name}/blobs/{digest}";
            case REFERRERS -> "/v2/{name}/referrers/{digest}";
        };
    }

    private void dispatch(OciCall call) {
        HttpMethod m = call.method();
        switch (call.path.kind()) {
            case BASE -> base(call);
            case CATALOG -> only(call, m == HttpMethod.GET, () -> manifests.catalog(call));
            case TAGS -> only(call, m == HttpMethod.GET, () -> manifests.tags(call));
            case REFERRERS -> only(call, m == HttpMethod.GET, () -> manifests.referrers(call));
            case MANIFEST -> {
                if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
                    manifests.get(call);
                } else if (m == HttpMethod.PUT) {
                    manifests.put(call);
                } else {
                    only(call, m == HttpMethod.DELETE, () -> manifests.delete(call));
                }
            }
            case BLOB -> {
                if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
                    blobs.get(call);
                } else {
                    only(call, m == HttpMethod.DELETE, () -> blobs.delete(call));
                }
            }
            case UPLOADS -> only(call, m == HttpMethod.POST, () -> uploads.start(call));
            case UPLOAD -> {
                switch (m.name()) {
                    case "GET" -> uploads.status(call);
                    case "PATCH" -> uploads.patch(call);
                    case "PUT" -> uploads.put(call);
                    case "DELETE" -> uploads.cancel(call);
                    default -> only(call, false, null);
                }
            }
            default -> throw new IllegalStateException("unhandled " + call.path.kind());
        }
    }

    private static void only(OciCall call, boolean allowed, Runnable handler) {
        if (!allowed) {
            throw new OciException(OciError.METHOD_NOT_ALLOWED, call.method() + " is not allowed on "
                    + call.request().path() + "; see docs/oci.md");
        }
        handler.run();
    }

    /** {@code GET /v2/}: 200 for valid credentials, else 401 with the challenge (so clients log in). */
    private void base(OciCall call) {
        if (call.method() != HttpMethod.GET && call.method() != HttpMethod.HEAD) {
            only(call, false, null);
        }
        if (call.viewer.asPrincipal().isEmpty()) {
            throw OciAuth.unauthorized("authenticate with an extfarm token (docker login -u <any> -p <token>), "
                    + "or fetch an anonymous token from the realm to pull public images");
        }
        call.response(200).putHeader("Content-Type", "application/json").end("{}");
    }

    /**
     * {@code GET|POST /v2/token}: the token endpoint of the {@code Bearer} challenge. With
     * credentials (Basic user:token, or OAuth2 form {@code password}) it checks them and hands the
     * same token back; without, it hands out the anonymous token.
     */
    private void token(RoutingContext ctx, OciPath path) {
        HttpMethod m = ctx.request().method();
        if (m == HttpMethod.POST) {
            ctx.request().setExpectMultipart(true);
            ctx.request().endHandler(v -> {
                String secret = ctx.request().formAttributes().get("password");
                String header = secret == null ? ctx.request().getHeader("Authorization")
                        : "Bearer " + secret;
                issue(ctx, path, header);
            });
            return;
        }
        issue(ctx, path, ctx.request().getHeader("Authorization"));
    }

    private void issue(RoutingContext ctx, OciPath path, String authorization) {
        OciCall call = new OciCall(ctx, path, Viewer.anonymous(), null, auth);
        Optional<String> secret;
        try {
            secret = OciAuth.secret(authorization);
        } catch (RuntimeException e) {
            call.fail(e);
            return;
        }
        if (secret.isEmpty()) {
            sendToken(call, OciAuth.ANONYMOUS_TOKEN);
            return;
        }
        auth.viewer(ctx, "Bearer " + secret.get()).onSuccess(v -> sendToken(call, secret.get())).onFailure(call::fail);
    }

    private static void sendToken(OciCall call, String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("access_token", token);
        body.put("expires_in", 3600);
        body.put("issued_at", Instant.now().toString());
        try {
            call.response(200).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                    .end(Buffer.buffer(JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            call.fail(e);
        }
    }
}
