package dev.extfarm.registry.http;

import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.problem.ProblemMapper;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * First on the main port's router, for every request:
 * <ul>
 * <li>the request target is read strictly ({@link RequestTargets}): a target that is not a path, a
 * malformed escape, escapes that are not UTF-8, a control character (NUL included) in the path or
 * in a query name or value are a 400 problem before any route or database sees them;</li>
 * <li>a request whose answer went out before its body was read to the end (refused before reading:
 * 401, 413, 429; or cut at the endpoint's limit) has the rest of its body read and dropped for at
 * most {@value #LINGER_MILLIS} ms, then its connection is closed; one that stopped sending (408) is
 * closed at once. Without this a stalled body kept its connection for {@code quarkus.http.idle-timeout}.</li>
 * </ul>
 */
@ApplicationScoped
public class RequestGuard {

    /** Set on a request whose connection ends with its answer. */
    private static final String CLOSE_AFTER_ANSWER = RequestGuard.class.getName() + ".close";
    static final long LINGER_MILLIS = 5_000;

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
        // Vert.x' router fails some malformed targets before any route runs (a bad escape: 400, a target
        // that is no path, '*': 404), and Quarkus' last failure handler answers them with an empty body
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failedEarly);
    }

    void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        try {
            check(request.uri(), request.path(), request.query());
        } catch (ExtfarmException e) {
            refuse(ctx, e);
            return;
        }
        if (BodyIntake.hasBody(request)) {
            ctx.addEndHandler(v -> afterAnswer(ctx));
        }
        ctx.next();
    }

    void failedEarly(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (ctx.failure() != null || (status != 400 && status != 404) || ctx.response().ended() || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        HttpServerRequest request = ctx.request();
        try {
            check(request.uri(), request.path(), request.query());
        } catch (ExtfarmException e) {
            refuse(ctx, e);
            return;
        }
        if (status == 404) {
            ctx.next();
        } else {
            refuse(ctx, ExtfarmException.invalid("bad-request", "the request could not be read"));
        }
    }

    private static void refuse(RoutingContext ctx, ExtfarmException problem) {
        if (BodyIntake.hasBody(ctx.request())) {
            ctx.addEndHandler(v -> afterAnswer(ctx));
        }
        ProblemMapper.write(ctx.response(), null, problem);
    }

    /** Throws the 400 problem for a request target the API cannot take. */
    static void check(String uri, String path, String query) {
        RequestTargets.checkOriginForm(uri);
        RequestTargets.decodePath(path);
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                int eq = pair.indexOf('=');
                RequestTargets.decodeQueryComponent(eq < 0 ? pair : pair.substring(0, eq));
                if (eq >= 0) {
                    RequestTargets.decodeQueryComponent(pair.substring(eq + 1));
                }
            }
        }
    }

    /** Marks the request's connection to be closed once it is answered (its client stopped sending). */
    static void closeAfterAnswer(RoutingContext ctx) {
        ctx.put(CLOSE_AFTER_ANSWER, Boolean.TRUE);
    }

    private static void afterAnswer(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.isEnded()) {
            return;
        }
        if (Boolean.TRUE.equals(ctx.get(CLOSE_AFTER_ANSWER))) {
            request.connection().close();
            return;
        }
        // a lingering close, as nginx's: closing with unread bytes makes the kernel send a reset, and
        // the client may lose the answer it has not read yet
        long timer = ctx.vertx().setTimer(LINGER_MILLIS, id -> request.connection().close());
        request.exceptionHandler(t -> ctx.vertx().cancelTimer(timer));
        request.handler(b -> {
        });
        request.endHandler(v -> ctx.vertx().cancelTimer(timer));
        request.resume();
    }
}
