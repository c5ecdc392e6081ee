package dev.extfarm.registry.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure a client can act on. Services and stores throw it with a {@link Kind} (never an HTTP
 * status: {@link ProblemMapper} owns that table), a stable {@code code} that becomes the problem
 * type {@code /problems/<code>}, and a message that says what to do.
 */
public class ExtfarmException extends RuntimeException {

    /** What went wrong, in HTTP-free terms. */
    public enum Kind {
        INVALID, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE, UNPROCESSABLE, RANGE_NOT_SATISFIABLE, UNAVAILABLE,
        /** The client stopped sending its request (408). */
        TIMEOUT,
        /** The caller has too much in flight; {@code retry_after} (seconds) says when to try again (429). */
        TOO_MANY_REQUESTS
    }

    private final Kind kind;
    private final String code;
    private final String title;
    private final Map<String, Object> extra = new LinkedHashMap<>();

    public ExtfarmException(Kind kind, String code, String title, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
        this.title = title;
    }

    public static ExtfarmException invalid(String code, String message) {
        return new ExtfarmException(Kind.INVALID, code, "Invalid request", message);
    }

    public static ExtfarmException notFound(String code, String message) {
        return new ExtfarmException(Kind.NOT_FOUND, code, "Not found", message);
    }

    public static ExtfarmException forbidden(String code, String message) {
        return new ExtfarmException(Kind.FORBIDDEN, code, "Forbidden", message);
    }

    public static ExtfarmException unauthenticated(String message) {
        return new ExtfarmException(Kind.UNAUTHENTICATED, "unauthenticated", "Authentication required", message);
    }

    public static ExtfarmException conflict(String code, String message) {
        return new ExtfarmException(Kind.CONFLICT, code, "Conflict", message);
    }

    /** Adds an extension member to the problem document (e.g. {@code rule}, {@code entry}). */
    public ExtfarmException with(String name, Object value) {
        extra.put(name, value);
        return this;
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extra() {
        return extra;
    }
}
