package dev.extfarm.fetcher.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.extfarm.fetcher.report.FetchException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The local endpoint's routes, shared by the TCP (127.0.0.1) and unix-socket listeners:
 * <pre>
 * GET  /status                  the fetcher's phases and every bundle's state
 * POST /extensions/{name}       install the bundle carrying this extension (and its requirements) now
                               (?update_from=A[&update_to=B]: ALTER EXTENSION ... UPDATE: the version carrying the scripts)
 * POST /libraries/{name}        install the bundle providing this library now
                               (?local_preload=true: also into $libdir/plugins/, for local_preload_libraries)
 * POST /refresh                 re-read the compute spec now
 * POST /postgres/started        PostgreSQL accepts connections (pg_extfarm's worker says so): phase 4 may start
 * </pre>
 * POSTs answer once the work is done: 200 JSON, or 4xx/5xx JSON {@code {"error": code, "message": why}}.
 * {@code ?timeout=<seconds>} bounds the wait (default 300).
 */
public final class Routes {

    /** A response: status and JSON body. */
    public record Reply(int status, byte[] body) {
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$][A-Za-z0-9_.+/$-]{0,200}");

    private final Service fetcher;

    public Routes(Service fetcher) {
        this.fetcher = fetcher;
    }

    public Reply handle(String method, String rawPath, String query) {
        String path = URLDecoder.decode(rawPath, StandardCharsets.UTF_8);
        try {
            if (path.equals("/status")) {
                return method.equals("GET") ? ok(fetcher.status()) : notAllowed("GET");
            }
            if (path.equals("/refresh")) {
                return method.equals("POST") ? ok(fetcher.refresh()) : notAllowed("POST");
            }
            if (path.equals("/postgres/started")) {
                return method.equals("POST") ? ok(fetcher.postgresAccepting(describeStart(query))) : notAllowed("POST");
            }
            boolean ext = path.startsWith("/extensions/");
            boolean lib = path.startsWith("/libraries/");
            if (ext || lib) {
                if (!method.equals("POST")) {
                    return notAllowed("POST");
                }
                String name = path.substring(path.indexOf('/', 1) + 1);
                if (!NAME.matcher(name).matches() || (ext && name.contains("/"))) {
                    throw new FetchException(FetchException.Kind.INVALID, "invalid-name", "'" + name + "' is not an "
                            + (ext ? "extension" : "library") + " name");
                }
                Duration timeout = Duration.ofSeconds(param(query, "timeout", 300));
                String from = version(query, "update_from");
                Service.Installed r = ext && from != null ? fetcher.requestUpdate(name, from, version(query, "update_to"), timeout)
                        : ext ? fetcher.requestExtension(name, timeout)
                        : fetcher.requestLibrary(name, timeout, "true".equals(value(query, "local_preload")));
                Map<String, Object> body = new LinkedHashMap<>();
                body.put(ext ? "extension" : "library", r.name());
                body.put("bundle", r.bundle());
                body.put("version", r.version());
                body.put("state", r.state());
                body.put("pending_restart", r.pendingRestart());
                body.put("waited_ms", r.millis());
                return ok(body);
            }
            return error(404, "not-found", "no route " + method + " " + path
                    + "; routes: GET /status, POST /extensions/{name}, POST /libraries/{name}, POST /refresh, POST /postgres/started");
        } catch (FetchException e) {
            return error(status(e.kind()), e.code(), e.getMessage());
        } catch (RuntimeException e) {
            return error(500, "internal", "the fetcher failed unexpectedly: " + e);
        }
    }

    /** {@code pid=123&port=5432} from pg_extfarm's worker, as a log detail (digits only: nothing else reaches the log). */
    static String describeStart(String query) {
        StringBuilder out = new StringBuilder();
        for (String key : new String[] {"pid", "port"}) {
            String v = value(query, key);
            if (v != null && v.matches("[0-9]{1,10}")) {
                out.append(out.length() == 0 ? "" : ", ").append(key.equals("pid") ? "postmaster pid " : "port ").append(v);
            }
        }
        return out.length() == 0 ? "reported" : out.toString();
    }

    /** The one table from failure kind to status. */
    static int status(FetchException.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case MISSING_DEPENDENCY -> 424;
            case UPSTREAM -> 502;
            case UNAVAILABLE -> 503;
            case TIMEOUT -> 504;
            case NO_SPACE -> 507;
        };
    }

    private static long param(String query, String name, long dflt) throws FetchException {
        String v = value(query, name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new FetchException(FetchException.Kind.INVALID, "invalid-query", name + " must be a number of seconds");
        }
    }

    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}");

    /** An extension version in the query ({@code update_from}, {@code update_to}), URL-decoded and checked; null when absent. */
    private static String version(String query, String name) throws FetchException {
        String raw = value(query, name);
        if (raw == null) {
            return null;
        }
        String v = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        if (!VERSION.matcher(v).matches() || v.contains("--")) {
            throw new FetchException(FetchException.Kind.INVALID, "invalid-query", name + " '" + v + "' is not an extension version");
        }
        return v;
    }

    /** The raw value of {@code name=} in a query string, or null. */
    private static String value(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String kv : query.split("&")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static Reply ok(Object body) {
        return new Reply(200, json(body));
    }

    private static Reply notAllowed(String allowed) {
        return error(405, "method-not-allowed", "use " + allowed);
    }

    static Reply error(int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return new Reply(status, json(body));
    }

    static byte[] json(Object o) {
        try {
            return (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            return ("{\"error\":\"internal\",\"message\":\"cannot serialise\"}\n").getBytes(StandardCharsets.UTF_8);
        }
    }
}
