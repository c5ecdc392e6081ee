package dev.extfarm.registry.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.logging.Log;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * The one place where {@code /v2/} failures become HTTP: the status of each {@link OciError} and
 * the spec's error envelope {@code {"errors":[{"code","message","detail"}]}} (never problem+json).
 * Only unexpected failures are logged, once, here.
 */
public final class OciResponses {

    static final String API_VERSION = "Docker-Distribution-API-Version";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciResponses() {
    }

    public static int status(OciError e) {
        return switch (e) {
            case BLOB_UNKNOWN, BLOB_UPLOAD_UNKNOWN, MANIFEST_UNKNOWN, NAME_UNKNOWN, NO_SUCH_ENDPOINT -> 404;
            case BLOB_UPLOAD_INVALID, DIGEST_INVALID, MANIFEST_BLOB_UNKNOWN, MANIFEST_INVALID, NAME_INVALID, SIZE_INVALID,
                 UNSUPPORTED -> 400;
            case BLOB_UPLOAD_OUT_OF_ORDER, RANGE_NOT_SATISFIABLE -> 416;
            case TOO_LARGE -> 413;
            case UNAUTHORIZED -> 401;
            case DENIED -> 403;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case METHOD_NOT_ALLOWED -> 405;
            case TOOMANYREQUESTS -> 429;
            case BODY_TIMEOUT -> 408;
        };
    }

    /** Ends the response with the error envelope (a HEAD gets the status and headers only). */
    static void fail(RoutingContext ctx, Throwable failure, String challenge) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) {
            return;
        }
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        OciException e = failure instanceof OciException oe ? oe : unexpected(ctx, failure);
        int status = e.error() == null ? 500 : status(e.error());
        resp.setStatusCode(status).putHeader(API_VERSION, "registry/2.0").putHeader("Content-Type", "application/json");
        e.headers().forEach(resp::putHeader);
        if (status == 401 && challenge != null) {
            resp.putHeader("WWW-Authenticate", challenge);
        }
        if (status == 429 && !e.headers().containsKey("Retry-After")) {
            resp.putHeader("Retry-After", "60");
        }
        byte[] body = envelope(e);
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.putHeader("Content-Length", Integer.toString(body.length)).end();
        } else {
            resp.end(Buffer.buffer(body));
        }
    }

    static byte[] envelope(OciException e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putArray("errors").addObject();
        err.put("code", e.error() == null ? "UNKNOWN" : e.error().code());
        err.put("message", e.getMessage());
        if (e.detail().isEmpty()) {
            err.putNull("detail");
        } else {
            err.set("detail", JSON.valueToTree(e.detail()));
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static OciException unexpected(RoutingContext ctx, Throwable e) {
        String id = UUID.randomUUID().toString();
        Log.errorf(e, "unexpected failure %s on %s %s", id, ctx.request().method(), ctx.request().path());
        return new OciException(null, "the registry failed unexpectedly; report incident " + id
                + " to the operators (it is in the server log)");
    }
}
