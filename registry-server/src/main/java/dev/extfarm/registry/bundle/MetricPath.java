package dev.extfarm.registry.bundle;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Names the URI template of a request served by a Vert.x route, for the {@code uri} tag of
 * {@code http_server_requests}: one time series per template instead of one per bundle address.
 * Quarkus' HTTP metrics read the template from the request context's {@code UrlPathTemplate}
 * local (as RESTEasy Reactive sets it). This replaces regex {@code match-patterns}, which the
 * metrics binder ran against every request's path (about 6 % of the CPU of a 100 KB bundle GET).
 */
public final class MetricPath {

    public static final String BUNDLE = "/extensions/{name}/{digest}/bundle.tar";
    public static final String CONTROL = "/extensions/{name}/{digest}/{extension}.control";

    private MetricPath() {
    }

    @SuppressWarnings("deprecation") // Context locals are how Quarkus passes the template; there is no other hook
    public static void name(String template) {
        Context c = Vertx.currentContext();
        if (c != null) {
            c.putLocal("UrlPathTemplate", template);
        }
    }
}
