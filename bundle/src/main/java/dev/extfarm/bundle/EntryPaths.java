package dev.extfarm.bundle;

import java.util.ArrayList;
import java.util.List;

/** Path rules for tar entry names: relative, canonical, no '..'. */
final class EntryPaths {

    private EntryPaths() {
    }

    /**
     * Returns the canonical relative path ({@code lib/x.so}) of an entry name, accepting one
     * leading {@code ./} and a trailing {@code /} on directories; the root is the empty string.
     */
    static String normalize(String name) throws BundleRejectedException {
        if (name.isEmpty()) {
            throw new BundleRejectedException(RejectionRule.NON_CANONICAL_PATH, name, "empty entry name");
        }
        if (name.startsWith("/")) {
            throw new BundleRejectedException(RejectionRule.ABSOLUTE_PATH, name, "make the path relative to the bundle root");
        }
        String p = name.startsWith("./") ? name.substring(2) : name.equals(".") ? "" : name;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return "";
        }
        for (String c : p.split("/", -1)) {
            if (c.equals("..")) {
                throw new BundleRejectedException(RejectionRule.DOTDOT, name, "'..' components are not allowed");
            }
            if (c.isEmpty() || c.equals(".")) {
                throw new BundleRejectedException(RejectionRule.NON_CANONICAL_PATH, name, "empty or '.' path components are not allowed");
            }
        }
        return p;
    }

    /** {@code a/b/c} → {@code [a, a/b]} */
    static List<String> parents(String path) {
        List<String> out = new ArrayList<>();
        for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
            out.add(path.substring(0, i));
        }
        return out;
    }

    /** {@code a/b/c} → {@code [a, b]} */
    static List<String> parentComponents(String path) {
        List<String> parts = new ArrayList<>(List.of(path.split("/")));
        parts.remove(parts.size() - 1);
        return parts;
    }

    /** The cheap check done as the link is read; the full one follows other links at the end. */
    static void checkLinkTargetLexically(String path, String target) throws BundleRejectedException {
        if (target.startsWith("/")) {
            throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, path, "points at the absolute path '" + target
                    + "'; use a relative target inside the bundle");
        }
        int depth = parentComponents(path).size();
        for (String c : target.split("/")) {
            if (c.equals("..")) {
                if (--depth < 0) {
                    throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, path, "points at '" + target + "', which leaves the bundle");
                }
            } else if (!c.isEmpty() && !c.equals(".")) {
                depth++;
            }
        }
    }
}
