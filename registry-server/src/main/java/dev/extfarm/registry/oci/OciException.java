package dev.extfarm.registry.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code /v2/} failure a client can act on: an {@link OciError}, a message that says what to do,
 * and an optional {@code detail} object (digest, repository, ...). Thrown by services and handlers;
 * written once, by {@link OciResponses}.
 */
public class OciException extends RuntimeException {

    private final OciError error;
    private final Map<String, Object> detail = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public OciException(OciError error, String message) {
        super(message);
        this.error = error;
    }

    public OciError error() {
        return error;
    }

    /** Adds a member to the error's {@code detail} object. */
    public OciException detail(String name, Object value) {
        detail.put(name, value);
        return this;
    }

    /** A response header the client needs (e.g. {@code Range} with a 416). */
    public OciException header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public Map<String, Object> detail() {
        return detail;
    }

    public Map<String, String> headers() {
        return headers;
    }

    static OciException blobUnknown(String repository, Digest digest) {
        return new OciException(OciError.BLOB_UNKNOWN, "blob " + digest + " is not in " + repository
                + "; push it first (POST /v2/" + repository + "/blobs/uploads/)").detail("digest", digest.toString());
    }

    static OciException nameUnknown(String repository) {
        return new OciException(OciError.NAME_UNKNOWN, "repository " + repository
                + " is not known to this registry (or not visible with these credentials); list repositories with GET /v2/_catalog")
                .detail("name", repository);
    }

    static OciException manifestUnknown(String repository, String reference) {
        return new OciException(OciError.MANIFEST_UNKNOWN, "no manifest " + reference + " in " + repository
                + "; list its tags with GET /v2/" + repository + "/tags/list").detail("reference", reference);
    }

    static OciException uploadUnknown(String repository, String id) {
        return new OciException(OciError.BLOB_UPLOAD_UNKNOWN, "no upload " + id + " in " + repository
                + " (finished, cancelled, expired or never started); start one with POST /v2/" + repository + "/blobs/uploads/")
                .detail("upload", id);
    }
}
