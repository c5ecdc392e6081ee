package dev.extfarm.fetcher.report;

/**
 * Why something could not be fetched or installed, in words an operator can act on. The
 * {@link Kind} decides the local endpoint's status code (in one place: {@code endpoint.Routes});
 * the {@link #code()} is a stable identifier for scripts and the PostgreSQL-side module.
 */
public class FetchException extends Exception {

    public enum Kind {
        /** The request is malformed. */
        INVALID,
        /** Not in the compute spec, or not known at all. */
        NOT_FOUND,
        /** A file another bundle (or PostgreSQL itself) installed has different bytes. */
        CONFLICT,
        /** The node lacks a system library the bundle needs. */
        MISSING_DEPENDENCY,
        /** The registry, the link or the bytes it sent were wrong (digest, truncation, 403, 5xx). */
        UPSTREAM,
        /** Staging or the cache is out of space (or over the staging quota). */
        NO_SPACE,
        /** Waited longer than the caller allowed. */
        TIMEOUT,
        /** The fetcher is stopping, or something unexpected happened on this node. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String code;

    public FetchException(Kind kind, String code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    public FetchException(Kind kind, String code, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.code = code;
    }

    public Kind kind() {
        return kind;
    }

    /** Stable identifier, e.g. {@code digest-mismatch}, {@code link-expired}, {@code file-conflict}. */
    public String code() {
        return code;
    }

    /** {@code <code>: <message>}: how a failure is shown to a person (CLI, log, {@code GET /status}). */
    public String describe() {
        return code + ": " + getMessage();
    }
}
