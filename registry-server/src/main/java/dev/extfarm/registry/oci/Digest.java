package dev.extfarm.registry.oci;

import dev.extfarm.bundle.Digests;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * An OCI content digest, {@code <algorithm>:<hex>}, of the two registered algorithms: sha256 (64
 * hex digits) and sha512 (128). Anything else is refused with {@code DIGEST_INVALID}
 * ({@code UNSUPPORTED} for a well-formed digest of another algorithm).
 */
public record Digest(String algorithm, String hex) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA512 = Pattern.compile("[0-9a-f]{128}");
    private static final Pattern ANY = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

    public Digest {
        boolean ok = switch (algorithm) {
            case "sha256" -> SHA256.matcher(hex).matches();
            case "sha512" -> SHA512.matcher(hex).matches();
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("not a sha256 or sha512 digest: " + algorithm + ":" + hex);
        }
    }

    /** True if {@code s} looks like a digest of any algorithm (so a reference is not a tag). */
    public static boolean looksLikeDigest(String s) {
        return s != null && s.indexOf(':') > 0;
    }

    public static Digest parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new OciException(OciError.DIGEST_INVALID, "a digest is required, e.g. sha256:<64 hex digits>");
        }
        int colon = s.indexOf(':');
        if (colon > 0) {
            String alg = s.substring(0, colon);
            String hex = s.substring(colon + 1);
            if (alg.equals("sha256") && SHA256.matcher(hex).matches() || alg.equals("sha512") && SHA512.matcher(hex).matches()) {
                return new Digest(alg, hex);
            }
            if (ANY.matcher(s).matches() && !alg.equals("sha256") && !alg.equals("sha512")) {
                throw new OciException(OciError.UNSUPPORTED, "digest algorithm '" + alg
                        + "' is not supported here; use sha256 (or sha512)").detail("digest", s);
            }
        }
        throw new OciException(OciError.DIGEST_INVALID, "'" + s
                + "' is not a valid digest; use sha256:<64 lowercase hex digits> or sha512:<128>").detail("digest", s);
    }

    public static Digest sha256(byte[] bytes) {
        return new Digest("sha256", Digests.sha256(bytes));
    }

    public static Digest sha256Hex(String hex) {
        return new Digest("sha256", hex);
    }

    public static Digest of(String algorithm, byte[] bytes) {
        return new Digest(algorithm, Digests.hex(newMessageDigest(algorithm).digest(bytes)));
    }

    public MessageDigest newMessageDigest() {
        return newMessageDigest(algorithm);
    }

    static MessageDigest newMessageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256 and SHA-512", e);
        }
    }

    public boolean isSha256() {
        return algorithm.equals("sha256");
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
