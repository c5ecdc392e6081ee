package dev.extfarm.recipe.source;

import dev.extfarm.recipe.egress.EgressRefusedException;
import dev.extfarm.recipe.egress.EgressRule;
import java.util.Optional;

/**
 * A source that could not be fetched or unpacked. {@link #reason()} classifies it for build
 * reports; the message says what happened and what was expected.
 */
public class SourceException extends Exception {

    public enum Reason {
        /** The bytes' sha-256 differs from the recipe's pin. */
        CHECKSUM_MISMATCH("checksum-mismatch"),
        /** Not found (404, not in any suite's index, in no mirror) or unreachable: the farm's to fix (a mirror, the network). */
        SOURCE_UNAVAILABLE("source-unavailable"),
        /** The URL is not http or https (file:, ftp:, ...), or a redirect leads to another scheme or from https to http. */
        URL_SCHEME("source-url-scheme"),
        /** The URL carries user info. */
        URL_USERINFO("source-url-userinfo"),
        /** No host, or a host spelled so that resolvers disagree on it. */
        URL_HOST("source-url-host"),
        /** The host is or resolves to a non-public address the operator did not allow ({@code EXTFARM_SOURCE_ALLOW}). */
        ADDRESS_FORBIDDEN("source-address-forbidden"),
        /** Too many redirects, a loop, or a redirect without a usable Location. */
        REDIRECT_REFUSED("source-redirect-refused"),
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

        /** Whether the recipe must change (everything but {@link #SOURCE_UNAVAILABLE}, which is the farm's). */
        public boolean isRecipes() {
            return this != SOURCE_UNAVAILABLE;
        }

        /** The reason for an egress refusal of a source URL. */
        public static Reason of(EgressRule rule) {
            return switch (rule) {
                case URL_SCHEME -> URL_SCHEME;
                case URL_USERINFO -> URL_USERINFO;
                case URL_HOST -> URL_HOST;
                case ADDRESS_FORBIDDEN -> ADDRESS_FORBIDDEN;
                case REDIRECT_REFUSED -> REDIRECT_REFUSED;
            };
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

    /** An egress refusal of {@code what} (a URL, a Debian pool file): nothing was fetched from it. */
    static SourceException refused(String what, EgressRefusedException e) {
        return new SourceException(Reason.of(e.rule()), what + ": refused: " + e.getMessage(), e);
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
