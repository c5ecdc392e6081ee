package dev.extfarm.recipe;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads and checks {@code source:}. */
final class SourceSection {

    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern DEBIAN_PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    static final Pattern DEBIAN_VERSION = Pattern.compile("([0-9]+:)?[0-9][A-Za-z0-9.+~-]*");

    private SourceSection() {
    }

    static Optional<Recipe.Source> read(MappingReader top) {
        Optional<MappingReader> section = top.mapping("source");
        if (section.isEmpty()) {
            if (top.entry("source").isEmpty()) {
                top.problems().error(top.keyPosition("source").orElse(top.missingPosition()), "source",
                        "is required: give url + sha256, or debian_source + sha256");
            }
            return Optional.empty();
        }
        MappingReader s = section.get();
        Optional<String> url = s.string("url");
        Optional<MappingReader> debian = s.mapping("debian_source");
        Optional<String> sha256 = s.requiredString("sha256").filter(hex -> checkSha256(s, hex));
        Optional<String> subdir = s.string("subdir").filter(dir -> checkSubdir(s, dir));

        Optional<Recipe.Source> result = Optional.empty();
        if (url.isPresent() && s.entry("debian_source").isPresent()) {
            s.problems().error(s.keyPosition("debian_source").orElseThrow(), s.field("debian_source"),
                    "give either url or debian_source, not both");
        } else if (url.isPresent()) {
            Optional<URI> uri = checkUrl(s, url.get());
            if (uri.isPresent() && sha256.isPresent()) {
                result = Optional.of(new Recipe.UrlSource(uri.get(), sha256.get(), subdir));
            }
        } else if (debian.isPresent()) {
            Optional<String> pkg = debian.get().requiredString("package").filter(p -> check(debian.get(), "package", p,
                    DEBIAN_PACKAGE, "must be a Debian source package name such as pgvector"));
            Optional<String> version = debian.get().requiredString("version").filter(v -> check(debian.get(), "version", v,
                    DEBIAN_VERSION, "must be a Debian version (0.8.0-1) or an upstream version (0.8.0)"));
            debian.get().finish();
            if (pkg.isPresent() && version.isPresent() && sha256.isPresent()) {
                result = Optional.of(new Recipe.DebianSource(pkg.get(), version.get(), sha256.get(), subdir));
            }
        } else if (s.entry("debian_source").isEmpty()) {
            s.problems().error(s.missingPosition(), s.field("url"), "is required: give url or debian_source");
        }
        s.finish();
        return result;
    }

    private static boolean checkSha256(MappingReader s, String hex) {
        if (SHA256.matcher(hex).matches()) {
            return true;
        }
        String hint = SHA256.matcher(hex.toLowerCase(Locale.ROOT)).matches() ? " (write it in lowercase)"
                : " (found " + hex.length() + " characters)";
        s.problems().error(s.keyPosition("sha256").orElseThrow(), s.field("sha256"), "must be 64 lowercase hex digits" + hint);
        return false;
    }

    private static Optional<URI> checkUrl(MappingReader s, String text) {
        var at = s.keyPosition("url").orElseThrow();
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            switch (scheme) {
                case "http", "https" -> {
                    if (uri.getHost() == null) {
                        s.problems().error(at, s.field("url"), "'" + text + "' has no host");
                        return Optional.empty();
                    }
                }
                case "file" -> {
                    if (uri.isOpaque() || uri.getPath() == null || !uri.getPath().startsWith("/")
                            || uri.getAuthority() != null) {
                        s.problems().error(at, s.field("url"), "a file URL must be absolute: file:///path/to/archive.tar.gz");
                        return Optional.empty();
                    }
                }
                default -> {
                    s.problems().error(at, s.field("url"), "must be an http, https or file URL, not '" + text + "'");
                    return Optional.empty();
                }
            }
            if (uri.getFragment() != null) {
                s.problems().error(at, s.field("url"), "must not have a #fragment");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            s.problems().error(at, s.field("url"), "not a valid URL: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean checkSubdir(MappingReader s, String dir) {
        boolean ok = !dir.isEmpty() && !dir.startsWith("/") && !dir.contains("\\") && !dir.contains("\0");
        for (String part : dir.split("/", -1)) {
            ok &= !part.isEmpty() && !part.equals(".") && !part.equals("..");
        }
        if (!ok && !dir.endsWith("/")) {
            s.problems().error(s.keyPosition("subdir").orElseThrow(), s.field("subdir"),
                    "must be a relative path inside the archive, like pgvector-0.8.0 (no '..', '.', empty or absolute parts)");
        } else if (!ok) {
            s.problems().error(s.keyPosition("subdir").orElseThrow(), s.field("subdir"), "must not end with '/'");
        }
        return ok;
    }

    static boolean check(MappingReader s, String key, String value, Pattern rule, String message) {
        if (rule.matcher(value).matches()) {
            return true;
        }
        s.problems().error(s.keyPosition(key).orElseThrow(), s.field(key), "'" + value + "' " + message);
        return false;
    }
}
