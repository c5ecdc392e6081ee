package dev.extfarm.recipe.source;

import java.util.List;
import java.util.Optional;

/**
 * One paragraph of a Debian {@code Sources} index: a source package version, the pool directory
 * holding its files, and their sha-256 ({@code Checksums-Sha256}).
 */
public record DebianSourceEntry(String packageName, String version, String directory, List<PoolFile> files) {

    public record PoolFile(String name, long size, String sha256) {
    }

    public DebianSourceEntry {
        files = List.copyOf(files);
    }

    /** The upstream tarball, {@code <package>_<upstream>.orig.tar.<compression>} (not the .orig-component ones). */
    public Optional<PoolFile> origTarball() {
        String prefix = packageName + "_" + upstreamVersion(version) + ".orig.tar.";
        return files.stream().filter(f -> f.name().startsWith(prefix) && !f.name().endsWith(".asc")).findFirst();
    }

    /** The upstream part of a Debian version: without the epoch ({@code 1:}) and the Debian revision ({@code -1}). */
    public static String upstreamVersion(String debianVersion) {
        String v = debianVersion;
        int colon = v.indexOf(':');
        if (colon >= 0 && v.substring(0, colon).chars().allMatch(Character::isDigit)) {
            v = v.substring(colon + 1);
        }
        int dash = v.lastIndexOf('-');
        return dash > 0 ? v.substring(0, dash) : v;
    }

    /** Whether a recipe's version names this entry: the exact Debian version or its upstream version. */
    public boolean matchesVersion(String recipeVersion) {
        return version.equals(recipeVersion) || upstreamVersion(version).equals(recipeVersion);
    }
}
