package dev.extfarm.registry.oci;

/**
 * The failures of the {@code /v2/} API, each with the OCI distribution spec error code it is sent
 * as. Some codes appear twice because the spec pairs them with different statuses (an out-of-order
 * chunk is {@code BLOB_UPLOAD_INVALID} with 416; a too-large body is {@code SIZE_INVALID} with 413);
 * {@link OciResponses#status} owns the status table.
 */
public enum OciError {
    BLOB_UNKNOWN("BLOB_UNKNOWN"),
    BLOB_UPLOAD_INVALID("BLOB_UPLOAD_INVALID"),
    /** A chunk that does not start where the upload ends. */
    BLOB_UPLOAD_OUT_OF_ORDER("BLOB_UPLOAD_INVALID"),
    BLOB_UPLOAD_UNKNOWN("BLOB_UPLOAD_UNKNOWN"),
    DIGEST_INVALID("DIGEST_INVALID"),
    MANIFEST_BLOB_UNKNOWN("MANIFEST_BLOB_UNKNOWN"),
    MANIFEST_INVALID("MANIFEST_INVALID"),
    MANIFEST_UNKNOWN("MANIFEST_UNKNOWN"),
    NAME_INVALID("NAME_INVALID"),
    NAME_UNKNOWN("NAME_UNKNOWN"),
    SIZE_INVALID("SIZE_INVALID"),
    /** A body over the configured limit. */
    TOO_LARGE("SIZE_INVALID"),
    /** A {@code Range} past the end of a blob. */
    RANGE_NOT_SATISFIABLE("SIZE_INVALID"),
    UNAUTHORIZED("UNAUTHORIZED"),
    DENIED("DENIED"),
    UNSUPPORTED("UNSUPPORTED"),
    /** A manifest media type this registry does not store. */
    UNSUPPORTED_MEDIA_TYPE("UNSUPPORTED"),
    METHOD_NOT_ALLOWED("UNSUPPORTED"),
    /** A path that is no endpoint of the API. */
    NO_SUCH_ENDPOINT("UNSUPPORTED"),
    TOOMANYREQUESTS("TOOMANYREQUESTS"),
    /** A request body that stopped arriving (408); the spec has no code of its own for it. */
    BODY_TIMEOUT("BLOB_UPLOAD_INVALID");

    private final String code;

    OciError(String code) {
        this.code = code;
    }

    /** The spec's error code, as sent in {@code {"errors":[{"code": ...}]}}. */
    public String code() {
        return code;
    }
}
