package dev.extfarm.bundle;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a bundle lives: {@code extensions/<name>/sha-256+<64 lowercase hex>/bundle.tar}, the hex
 * being the sha-256 of the tar bytes. The same form is used as blob key, URL path and S3 key.
 */
public record BundleAddress(String name, String sha256) {

    public static final String NAME_RULE = "[a-z0-9][a-z0-9_-]{0,62}";
    private static final Pattern NAME = Pattern.compile(NAME_RULE);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final String PREFIX = "extensions/";
    private static final String DIGEST_PREFIX = "sha-256+";
    public static final String FILE_NAME = "bundle.tar";

    public BundleAddress {
        requireValidName(name);
        requireValidSha256(sha256);
    }

    /** Parses {@code extensions/<name>/sha-256+<hex>/bundle.tar}; a leading '/' is accepted. */
    public static BundleAddress parse(String path) {
        Objects.requireNonNull(path, "bundle address");
        String p = path.startsWith("/") ? path.substring(1) : path;
        String[] parts = p.split("/", -1);
        if (parts.length != 4 || !parts[0].equals("extensions") || !parts[3].equals(FILE_NAME)) {
            throw new IllegalArgumentException("bundle address '" + path
                    + "' must look like extensions/<name>/sha-256+<64 hex>/bundle.tar");
        }
        return new BundleAddress(parts[1], parseDigest(parts[2]));
    }

    /** Parses {@code sha-256+<hex>} and returns the hex. */
    public static String parseDigest(String digest) {
        if (digest == null || !digest.startsWith(DIGEST_PREFIX)) {
            throw new IllegalArgumentException("digest '" + digest + "' must be sha-256+<64 lowercase hex>");
        }
        String hex = digest.substring(DIGEST_PREFIX.length());
        requireValidSha256(hex);
        return hex;
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public static void requireValidName(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("extension name '" + name + "' must match " + NAME_RULE
                    + " (lowercase letters, digits, '_' and '-', starting with a letter or digit, at most 63 characters)");
        }
    }

    public static boolean isValidSha256(String hex) {
        return hex != null && HEX64.matcher(hex).matches();
    }

    public static void requireValidSha256(String hex) {
        if (!isValidSha256(hex)) {
            throw new IllegalArgumentException("sha-256 '" + hex + "' must be 64 lowercase hex digits");
        }
    }

    /** {@code sha-256+<hex>}: the digest segment of the address, also the bundle's ETag value. */
    public String digest() {
        return DIGEST_PREFIX + sha256;
    }

    /** {@code extensions/<name>/sha-256+<hex>} */
    public String directory() {
        return PREFIX + name + "/" + digest();
    }

    /** {@code extensions/<name>/sha-256+<hex>/bundle.tar} */
    public String path() {
        return directory() + "/" + FILE_NAME;
    }

    /** A file stored beside the bundle, e.g. {@code vector.control} or {@code bundle.tar.sig}. */
    public String sibling(String fileName) {
        if (fileName.isEmpty() || fileName.contains("/") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("'" + fileName + "' is not a plain file name");
        }
        return directory() + "/" + fileName;
    }

    @Override
    public String toString() {
        return path();
    }
}
