package dev.extfarm.registry.bundle;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.http.BlockingBodyWriter;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.serving.RangeAnswer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Streams a blob of a remote store (S3) on a worker thread, with back-pressure ({@link BlockingBodyWriter}). */
@ApplicationScoped
class S3Streamer {

    @Inject
    BlobStore store;

    void serve(RoutingContext ctx, BundleRoutes.Target t, String cacheControl) {
        ctx.vertx().executeBlocking(() -> {
            stream(ctx, t, cacheControl);
            return null;
        }, false).onFailure(e -> BundleRoutes.fail(ctx, e));
    }

    private void stream(RoutingContext ctx, BundleRoutes.Target t, String cacheControl) throws Exception {
        var info = store.stat(t.key()).orElseThrow(() -> ExtfarmException.notFound("bundle-not-found",
                "no " + t.key() + "; find addresses in GET /api/v1/extensions/" + t.address().name()));
        CompletableFuture<RangeAnswer> prepared = new CompletableFuture<>();
        ctx.vertx().runOnContext(v -> prepared.complete(BundleRoutes.prepare(ctx, t, info.size(), cacheControl)));
        RangeAnswer answer = prepared.get(30, TimeUnit.SECONDS);
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) {
            return;
        }
        long start = answer.start();
        long length = answer.length();
        resp.putHeader("Content-Length", Long.toString(length));
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.end();
            return;
        }
        BlockingBodyWriter.send(store.open(t.key(), start), length, resp);
    }
}
