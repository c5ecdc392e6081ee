package dev.extfarm.registry.oci;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.oci.BundleImage;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A {@code /v2/} request path, parsed from the right as the spec's endpoints are:
 * <pre>
 * /v2/                                   BASE
 * /v2/_catalog                           CATALOG
 * /v2/token                              TOKEN (docker token auth)
 * /v2/&lt;name&gt;/tags/list                    TAGS
 * /v2/&lt;name&gt;/manifests/&lt;reference&gt;       MANIFEST
 * /v2/&lt;name&gt;/blobs/uploads/[&lt;id&gt;]        UPLOADS / UPLOAD
 * /v2/&lt;name&gt;/blobs/&lt;digest&gt;              BLOB
 * /v2/&lt;name&gt;/referrers/&lt;digest&gt;          REFERRERS
 * </pre>
 * Repository names here are {@code extensions/<extension name>}; any other name is NAME_INVALID.
 */
public record OciPath(Kind kind, String repository, String reference) {

    public enum Kind { BASE, CATALOG, TOKEN, TAGS, MANIFEST, UPLOADS, UPLOAD, BLOB, REFERRERS }

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    static OciPath parse(String rawPath) {
        String p = rawPath.substring("/v2".length());
        if (p.isEmpty() || p.equals("/")) {
            return new OciPath(Kind.BASE, null, null);
        }
        p = p.substring(1);
        if (p.equals("_catalog")) {
            return new OciPath(Kind.CATALOG, null, null);
        }
        if (p.equals("token")) {
            return new OciPath(Kind.TOKEN, null, null);
        }
        String[] s = p.split("/", -1);
        int n = s.length;
        if (n >= 3 && s[n - 2].equals("tags") && s[n - 1].equals("list")) {
            return of(Kind.TAGS, s, n - 2, null);
        }
        if (n >= 4 && s[n - 3].equals("blobs") && s[n - 2].equals("uploads")) {
            return s[n - 1].isEmpty() ? of(Kind.UPLOADS, s, n - 3, null) : of(Kind.UPLOAD, s, n - 3, decode(s[n - 1]));
        }
        if (n >= 3 && s[n - 2].equals("blobs") && s[n - 1].equals("uploads")) {
            return of(Kind.UPLOADS, s, n - 2, null);
        }
        if (n >= 3 && s[n - 2].equals("manifests") && !s[n - 1].isEmpty()) {
            return of(Kind.MANIFEST, s, n - 2, decode(s[n - 1]));
        }
        if (n >= 3 && s[n - 2].equals("blobs") && !s[n - 1].isEmpty()) {
            return of(Kind.BLOB, s, n - 2, decode(s[n - 1]));
        }
        if (n >= 3 && s[n - 2].equals("referrers") && !s[n - 1].isEmpty()) {
            return of(Kind.REFERRERS, s, n - 2, decode(s[n - 1]));
        }
        throw new OciException(OciError.NO_SUCH_ENDPOINT, "/v2/" + p + " is no endpoint of the OCI distribution API; "
                + "see docs/oci.md");
    }

    private static OciPath of(Kind kind, String[] segments, int nameEnd, String reference) {
        return new OciPath(kind, validName(String.join("/", Arrays.copyOfRange(segments, 0, nameEnd))), reference);
    }

    /** Checks a repository name: {@code extensions/<extension name>}. */
    static String validName(String name) {
        if (name.startsWith(BundleImage.REPOSITORY_PREFIX)
                && BundleAddress.isValidName(name.substring(BundleImage.REPOSITORY_PREFIX.length()))) {
            return name;
        }
        throw new OciException(OciError.NAME_INVALID, "repository '" + name + "' is not valid here: repositories are "
                + "extensions/<extension name>, the name matching " + BundleAddress.NAME_RULE).detail("name", name);
    }

    /** The extension whose visibility rule governs the repository. */
    static String extension(String repository) {
        return repository.substring(BundleImage.REPOSITORY_PREFIX.length());
    }

    public String extension() {
        return extension(repository);
    }

    static boolean isTag(String reference) {
        return TAG.matcher(reference).matches();
    }

    /** Percent-decoding of one path segment (clients may send {@code sha256%3A...}). */
    static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }
}
