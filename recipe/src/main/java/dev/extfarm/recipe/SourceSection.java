package dev.extfarm.recipe;

import dev.extfarm.bundle.Digests;
import dev.extfarm.recipe.egress.EgressPolicy;
import dev.extfarm.recipe.egress.EgressRefusedException;
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

    static Optional<Recipe.Source> read(MappingReader top, RecipeBundle bundle) {
        Optional<Recipe.Source> source = read(top);
        checkBundledFiles(top, bundle, source);
        return source;
    }

    /**
     * {@code source.bundled} names the one file of the recipe's {@code source/} directory, and its
     * bytes have the pinned sha-256 (checked here already, so a stale archive fails lint, not a build);
     * without it, {@code source/} must be empty.
     */
    private static void checkBundledFiles(MappingReader top, RecipeBundle bundle, Optional<Recipe.Source> source) {
        Problems problems = top.problems();
        String dir = problems.file().substring(0, problems.file().length() - RecipeBundle.RECIPE_FILE.length());
        String wanted = source.filter(Recipe.BundledSource.class::isInstance).map(b -> ((Recipe.BundledSource) b).file()).orElse(null);
        for (String name : bundle.sourceFileNames()) {
            if (!name.equals(wanted)) {
                problems.errorInFile(dir + RecipeBundle.SOURCE_DIR + "/" + name, "source.bundled",
                        "not named by source.bundled; only the bundled source archive may be in source/");
            }
        }
        if (wanted == null) {
            return;
        }
        MappingReader s = top.mapping("source").orElseThrow();
        var at = s.keyPosition("bundled").orElseThrow();
        if (!bundle.sourceFileNames().contains(wanted)) {
            problems.error(at, s.field("bundled"), RecipeBundle.SOURCE_DIR + "/" + wanted + " does not exist next to recipe.yaml");
            return;
        }
        String actual = Digests.sha256(bundle.sourcesUnsafe().get(wanted));
        if (!actual.equals(source.get().sha256())) {
            problems.error(s.keyPosition("sha256").orElse(at), s.field("sha256"), "is " + source.get().sha256() + " but "
                    + RecipeBundle.SOURCE_DIR + "/" + wanted + " has sha-256 " + actual + "; update the pin if the new archive is intended");
        }
    }

    static Optional<Recipe.Source> read(MappingReader top) {
        Optional<MappingReader> section = top.mapping("source");
        if (section.isEmpty()) {
            if (top.entry("source").isEmpty()) {
                top.problems().error(top.keyPosition("source").orElse(top.missingPosition()), "source",
                        "is required: give url + sha256, debian_source + sha256, or bundled + sha256");
            }
            return Optional.empty();
        }
        MappingReader s = section.get();
        if (s.entry("git").isPresent()) {
            return GitSourceSection.read(s);
        }
        Optional<String> url = s.string("url");
        Optional<MappingReader> debian = s.mapping("debian_source");
        Optional<String> bundled = s.string("bundled");
        Optional<String> sha256 = s.requiredString("sha256").filter(hex -> checkSha256(s, hex));
        Optional<String> subdir = s.string("subdir").filter(dir -> checkSubdir(s, dir));

        Optional<Recipe.Source> result = Optional.empty();
        int kinds = (url.isPresent() ? 1 : 0) + (s.entry("debian_source").isPresent() ? 1 : 0) + (bundled.isPresent() ? 1 : 0);
        if (kinds > 1) {
            String second = bundled.isPresent() ? "bundled" : "debian_source";
            s.problems().error(s.keyPosition(second).orElseThrow(), s.field(second),
                    "give one of url, debian_source and bundled, not several");
        } else if (bundled.isPresent()) {
            Optional<String> file = bundled.filter(f -> check(s, "bundled", f, RecipeBundle.PATCH_NAME,
                    "must be a file name in the recipe's source/ directory, such as pg_extfarm-1.0.tar.gz"));
            if (file.isPresent() && sha256.isPresent()) {
                result = Optional.of(new Recipe.BundledSource(file.get(), sha256.get(), subdir));
            }
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
            s.problems().error(s.missingPosition(), s.field("url"), "is required: give url, debian_source or bundled");
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

    /**
     * Only http and https, with a host spelled canonically and no user info: the rules of
     * {@link EgressPolicy#checkUrl}, which the farm applies again when it fetches (with the
     * addresses the host resolves to, which a lint cannot know).
     */
    private static Optional<URI> checkUrl(MappingReader s, String text) {
        var at = s.keyPosition("url").orElseThrow();
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            s.problems().error(at, s.field("url"), "not a valid URL: " + e.getMessage());
            return Optional.empty();
        }
        try {
            EgressPolicy.checkUrl(uri);
        } catch (EgressRefusedException e) {
            String message = switch (e.rule()) {
                case URL_SCHEME -> "must be an https or http URL, not '" + text + "'; a local archive goes into the farm's "
                        + "source mirror (sha256/<hex>, see docs/recipes.md) or into the recipe itself (source.bundled)";
                case URL_USERINFO -> "must not carry user info (user@ or user:password@): '" + text + "'";
                default -> e.getMessage();
            };
            s.problems().error(at, s.field("url"), message, e.rule().code("source"));
            return Optional.empty();
        }
        if (uri.getFragment() != null) {
            s.problems().error(at, s.field("url"), "must not have a #fragment");
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    static boolean checkSubdir(MappingReader s, String dir) {
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
