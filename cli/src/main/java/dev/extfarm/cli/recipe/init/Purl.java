package dev.extfarm.cli.recipe.init;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A package URL as PGXN Meta Spec v2 uses them ({@code pkg:deb/debian/libcurl4@7.88},
 * {@code pkg:generic/openssl}, {@code pkg:pgxn/pgtap}): type, optional namespace, name. Version,
 * qualifiers and subpath are ignored; the version range sits beside the purl in META.json.
 */
record Purl(String type, String namespace, String name) {

    static Optional<Purl> parse(String text) {
        if (!text.startsWith("pkg:")) {
            return Optional.empty();
        }
        String rest = text.substring(4);
        int cut = indexOfAny(rest, '#', '?');
        if (cut >= 0) {
            rest = rest.substring(0, cut);
        }
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String type = rest.substring(0, slash).toLowerCase();
        String path = rest.substring(slash + 1);
        int at = path.lastIndexOf('@');
        if (at >= 0 && at > path.lastIndexOf('/')) {
            path = path.substring(0, at);
        }
        int last = path.lastIndexOf('/');
        String name = decode(path.substring(last + 1));
        String namespace = last < 0 ? "" : decode(path.substring(0, last));
        return name.isEmpty() ? Optional.empty() : Optional.of(new Purl(type, namespace, name));
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
