package dev.extfarm.recipe.source;

import java.util.Optional;

/**
 * A source that could not be fetched or unpacked. {@link #reason()} classifies it for build
 * reports; the message says what happened and what was expected.
 */
public class SourceException extends Exception {

    public enum Reason {
        /** The bytes' sha-256 differs from the recipe's pin. */
        CHECKSUM_MISMATCH("checksum-mismatch"),
        /** Not found (404, not in any suite's index) or unreachable. */
        SOURCE_UNAVAILABLE("source-unavailable"),
        /** The archive tries to write outside its directory (absolute paths, '..', escaping links). */
        UNSAFE_ARCHIVE("unsafe-archive"),
        /** Not an archive we can read, over a limit, or without the directory the recipe names. */
        BAD_ARCHIVE("bad-archive");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The classification written into build reports, e.g. {@code checksum-mismatch}. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;
    private final String expectedSha256;
    private final String actualSha256;

    public SourceException(Reason reason, String message) {
        this(reason, message, null);
    }

    public SourceException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.expectedSha256 = null;
        this.actualSha256 = null;
    }

    private SourceException(String message, String expectedSha256, String actualSha256) {
        super(message);
        this.reason = Reason.CHECKSUM_MISMATCH;
        this.expectedSha256 = expectedSha256;
        this.actualSha256 = actualSha256;
    }

    static SourceException checksumMismatch(String what, String expected, String actual) {
        return new SourceException(what + ": sha-256 mismatch: the recipe pins " + expected + " but the bytes are "
                + actual + "; nothing was cached", expected, actual);
    }

    public Reason reason() {
        return reason;
    }

    public Optional<String> expectedSha256() {
        return Optional.ofNullable(expectedSha256);
    }

    public Optional<String> actualSha256() {
        return Optional.ofNullable(actualSha256);
    }

    @Override
    public String toString() {
        return reason.code() + ": " + getMessage();
    }
}
