package dev.extfarm.registry.oci;

import dev.extfarm.registry.auth.Viewer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/** One {@code /v2/} request on its way through a handler: the parsed path, who asks, the body. */
final class OciCall {

    final RoutingContext ctx;
    final OciPath path;
    final Viewer viewer;
    final RequestBody body;
    private final OciAuth auth;

    OciCall(RoutingContext ctx, OciPath path, Viewer viewer, RequestBody body, OciAuth auth) {
        this.ctx = ctx;
        this.path = path;
        this.viewer = viewer;
        this.body = body;
        this.auth = auth;
    }

    HttpServerRequest request() {
        return ctx.request();
    }

    HttpMethod method() {
        return ctx.request().method();
    }

    String repository() {
        return path.repository();
    }

    String query(String name) {
        return ctx.request().getParam(name);
    }

    /** Runs {@code work} on a worker thread; its result arrives back on the event loop. */
    <T> Future<T> blocking(Callable<T> work) {
        return ctx.vertx().executeBlocking(work, false);
    }

    /** A response with the headers every {@code /v2/} answer carries. */
    HttpServerResponse response(int status) {
        return ctx.response().setStatusCode(status).putHeader(OciResponses.API_VERSION, "registry/2.0");
    }

    void fail(Throwable e) {
        if (body != null) {
            body.discard();
        }
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        OciResponses.fail(ctx, cause, auth.challenge(ctx, path));
    }
}
