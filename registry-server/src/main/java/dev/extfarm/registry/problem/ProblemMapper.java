package dev.extfarm.registry.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.extfarm.protocol.Problem;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become HTTP: the status table, and the problem+json body
 * (RFC 9457). JAX-RS resources reach it through the {@code @ServerExceptionMapper}s below; Vert.x
 * routes (bundle bytes) call {@link #write}. Only unexpected failures (500) are logged, once, here.
 */
public class ProblemMapper {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static int status(ExtfarmException.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case RANGE_NOT_SATISFIABLE -> 416;
            case UNPROCESSABLE -> 422;
            case UNAVAILABLE -> 503;
            case TIMEOUT -> 408;
            case TOO_MANY_REQUESTS -> 429;
        };
    }

    public static Problem problem(ExtfarmException e, String instance) {
        return problem(e, instance, status(e.kind()));
    }

    /** The problem answered with another status than its kind's (the bundle edge's 405 and 500). */
    public static Problem problem(ExtfarmException e, String instance, int status) {
        return new Problem("/problems/" + e.code(), e.title(), status, e.getMessage(), instance, e.extra());
    }

    /** The problem as a JSON document (for servers outside Vert.x' and JAX-RS' writers: the bundle edge). */
    public static byte[] json(Problem p) {
        try {
            return JSON.writeValueAsBytes(p);
        } catch (JsonProcessingException e) {
            return ("{\"status\":" + p.status() + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Writes the problem on a Vert.x response (used outside JAX-RS) and ends it. */
    public static void write(HttpServerResponse response, String path, ExtfarmException e) {
        Problem p = problem(e, path);
        response.setStatusCode(p.status()).putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (p.status() == 401) {
            response.putHeader("WWW-Authenticate", "Bearer");
        }
        if (p.members().get("retry_after") != null) {
            response.putHeader("Retry-After", p.members().get("retry_after").toString());
        }
        try {
            response.end(Buffer.buffer(JSON.writeValueAsBytes(p)));
        } catch (JsonProcessingException ex) {
            response.end();
        }
    }

    static Response response(Problem p) {
        Response.ResponseBuilder r = Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p);
        if (p.status() == 401) {
            r.header("WWW-Authenticate", "Bearer");
        }
        if (p.members().get("retry_after") != null) {
            r.header("Retry-After", p.members().get("retry_after").toString());
        }
        return r.build();
    }

    @ServerExceptionMapper
    public Response map(ExtfarmException e, UriInfo uri) {
        return response(problem(e, "/" + uri.getPath().replaceFirst("^/", "")));
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthenticated(RuntimeException e) {
        boolean badToken = e instanceof AuthenticationFailedException;
        return response(problem(ExtfarmException.unauthenticated(badToken
                ? "the bearer token is unknown or revoked; ask an admin for a new one (POST /api/v1/admin/tokens)"
                : "this endpoint needs a token: send 'Authorization: Bearer <token>'"), null));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return response(problem(ExtfarmException.forbidden("forbidden",
                "your token's role may not do this; see docs/api.md for the role each endpoint needs"), null));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return badJson(json); // Quarkus' JSON reader wraps unreadable bodies (not JSON, not UTF-8) in a 400
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        String detail = switch (status) {
            case 404 -> "no such endpoint or resource; see /q/openapi for the API";
            case 405 -> "this method is not allowed here; see /q/openapi for the API";
            case 406, 415 -> "unsupported media type; send and accept application/json";
            default -> e.getMessage();
        };
        String type = status == 404 ? "not-found" : "http-" + status;
        return response(new Problem("/problems/" + type, Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase(), status, detail, null, Map.of()));
    }

    /** A JSON body of the wrong shape, or a refused text (Quarkus' own mapper for these answers with no body). */
    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e) {
        return badJson(e);
    }

    /** Not JSON at all, or not UTF-8. */
    @ServerExceptionMapper
    public Response unreadableJson(StreamReadException e) {
        return badJson(e);
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        if (e instanceof InvalidText) {
            return response(problem(invalidText(e.getOriginalMessage()), null));
        }
        return response(problem(ExtfarmException.invalid("invalid-json",
                "the request body is not the JSON this endpoint expects: " + e.getOriginalMessage()), null));
    }

    private static ExtfarmException invalidText(String detail) {
        return ExtfarmException.invalid("invalid-text", detail);
    }

    /**
     * Whether PostgreSQL refused a text it cannot store (SQLSTATE 22021, character_not_in_repertoire:
     * a NUL; 22P05, untranslatable_character): a client's text that slipped past the checks at the
     * door ({@code http.RequestGuard}, {@code http.StrictJsonText}) is still the client's fault.
     */
    static boolean unstorableText(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && ("22021".equals(sql.getSQLState()) || "22P05".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e) {
        if (unstorableText(e)) {
            Log.debugf(e, "a request's text could not be stored");
            return response(problem(invalidText("a text of this request holds a character that cannot be stored "
                    + "(a NUL, U+0000, or a byte sequence that is not UTF-8); remove it and send the request again"), null));
        }
        String id = UUID.randomUUID().toString();
        Log.errorf(e, "unexpected failure %s", id);
        return response(new Problem("/problems/internal", "Internal error", 500,
                "the server failed unexpectedly; report incident " + id + " to the operators (it is in the server log)", null, Map.of()));
    }
}
