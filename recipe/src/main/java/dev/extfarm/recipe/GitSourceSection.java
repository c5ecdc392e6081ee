package dev.extfarm.recipe;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code source:} when it names a git repository:
 *
 * <pre>
 * source:
 *   git: https://github.com/pgaudit/pgaudit.git
 *   commit: 72da89c3fa02f3f2b9f3933214d91ad9c3428467
 *   tag: 1.7.1            # optional: checked to name that commit
 * </pre>
 *
 * The commit is the pin (no {@code sha256}: that is an archive's). Only https: git's other
 * transports (ssh, git://, file, ext::) would run commands or read the builder's host.
 */
final class GitSourceSection {

    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** A tag name as git allows it, minus what only confuses: no leading '-', '..', '@{', control characters or ':?*[\\~^'. */
    static final Pattern TAG = Pattern.compile("(?!-)(?!.*\\.\\.)(?!.*@\\{)(?!.*//)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._+/@-]{1,200}");
    static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~+-]+)+/?");

    private GitSourceSection() {
    }

    static Optional<Recipe.Source> read(MappingReader s) {
        Optional<URI> url = s.string("git").flatMap(text -> checkUrl(s, text));
        Optional<String> commit = s.requiredString("commit").filter(c -> {
            if (COMMIT.matcher(c).matches()) {
                return true;
            }
            String hint = COMMIT.matcher(c.toLowerCase(Locale.ROOT)).matches() ? " (write it in lowercase)"
                    : c.matches("[0-9a-fA-F]{4,39}") ? " (give the full id: git rev-parse " + c + ")"
                    : " (a tag or branch goes into tag; the pin is the commit it names)";
            s.problems().error(s.keyPosition("commit").orElseThrow(), s.field("commit"), "must be a full commit id, 40 lowercase hex digits" + hint);
            return false;
        });
        Optional<String> tag = s.string("tag").filter(t -> SourceSection.check(s, "tag", t, TAG,
                "is not a git tag name (letters, digits and . _ + / @ -, not starting with '-', no '..')"));
        Optional<String> subdir = s.string("subdir").filter(dir -> SourceSection.checkSubdir(s, dir));
        for (String other : new String[] {"url", "debian_source", "bundled"}) {
            s.keyPosition(other).ifPresent(at -> s.problems().error(at, s.field(other), "give one of url, debian_source, bundled and git, not several"));
        }
        s.keyPosition("sha256").ifPresent(at -> s.problems().error(at, s.field("sha256"),
                "a git source is pinned by its commit; sha256 is for archives (the farm records the exported archive's own)"));
        s.declare("url", "debian_source", "bundled", "sha256");
        s.finish();
        if (url.isEmpty() || commit.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Recipe.GitSource(url.get(), commit.get(), tag, subdir));
    }

    /** https, a host name, a path; no user info, port, query or fragment. */
    private static Optional<URI> checkUrl(MappingReader s, String text) {
        var at = s.keyPosition("git").orElseThrow();
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            s.problems().error(at, s.field("git"), "not a valid URL: " + e.getMessage());
            return Optional.empty();
        }
        String problem = null;
        if (!"https".equals(uri.getScheme())) {
            problem = "must be an https URL of a git repository, not '" + text + "' (git's other transports are not used;"
                    + " an offline farm finds the repository in its source mirror by this URL)";
        } else if (uri.getRawUserInfo() != null) {
            problem = "must not carry user info (user@ or user:password@)";
        } else if (uri.getHost() == null || !HOST.matcher(uri.getHost()).matches() || uri.getPort() != -1) {
            problem = "must name a host in lowercase, without a port: https://github.com/owner/project.git";
        } else if (uri.getRawPath() == null || !PATH.matcher(uri.getRawPath()).matches() || uri.getRawPath().contains("/../")
                || uri.getRawPath().contains("/./") || uri.getRawPath().endsWith("/..") || uri.getRawPath().endsWith("/.")) {
            problem = "must have a plain path such as /owner/project.git (letters, digits, . _ ~ + -)";
        } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            problem = "must not have a ?query or #fragment";
        }
        if (problem != null) {
            s.problems().error(at, s.field("git"), problem);
            return Optional.empty();
        }
        return Optional.of(uri);
    }
}
