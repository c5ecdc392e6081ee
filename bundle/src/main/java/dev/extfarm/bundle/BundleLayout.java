package dev.extfarm.bundle;

import java.util.List;

/**
 * The allow-list of paths a bundle may contain, laid out like an installation prefix (the layout
 * PostgreSQL 18's extension_control_path / dynamic_library_path and CloudNativePG image volumes
 * expect). Paths are relative, '/'-separated, without a trailing slash.
 */
public final class BundleLayout {

    public static final String MANIFEST = "manifest.json";
    public static final String SBOM = "sbom.spdx.json";
    public static final String EXTENSION_DIR = "share/extension";

    /** Directories whose whole subtree is allowed. */
    private static final List<String> TREES = List.of(
            "share/extension", "share/tsearch_data", "share/contrib", "lib", "bin", "doc", "licenses");
    /** Single files allowed at the root. */
    private static final List<String> ROOT_FILES = List.of(MANIFEST, SBOM);
    /** Directories that may exist only as parents of the trees above. */
    private static final List<String> PARENTS = List.of("share");

    private BundleLayout() {
    }

    public static boolean isAllowedFile(String path) {
        if (ROOT_FILES.contains(path)) {
            return true;
        }
        for (String tree : TREES) {
            if (path.startsWith(tree + "/")) {
                return true;
            }
        }
        return false;
    }

    public static boolean isAllowedDirectory(String path) {
        return PARENTS.contains(path) || TREES.contains(path) || isAllowedFile(path) && !ROOT_FILES.contains(path);
    }

    /** {@code share/extension/<name>.control} → {@code <name>}; otherwise null. */
    public static String controlName(String path) {
        if (path.startsWith(EXTENSION_DIR + "/") && path.endsWith(".control")) {
            String file = path.substring(EXTENSION_DIR.length() + 1);
            if (!file.contains("/")) {
                return file.substring(0, file.length() - ".control".length());
            }
        }
        return null;
    }

    public static String describe() {
        return String.join(", ", ROOT_FILES) + ", " + String.join("/, ", TREES) + "/";
    }
}
