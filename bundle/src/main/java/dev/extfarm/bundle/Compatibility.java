package dev.extfarm.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bundle's compatibility floors ({@code compatibility} in manifest.json): what a node must have
 * for its modules and programs to load. The builder records them from the ELF files it built;
 * the fetcher checks them against the node before it installs anything. See docs/bundle-format.md.
 *
 * @param builtAgainst  the PostgreSQL version of the build image's server, {@code 15.20}: a server
 *                      older than it may lack a function the modules call
 * @param glibc         the newest {@code GLIBC_x.y} symbol version any of its ELF files needs, or null
 *                      (none needed)
 * @param serverSymbols the functions and variables its modules import from the
 *                      {@code postgres} binary (sorted): the server must export each
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"built_against", "glibc", "server_symbols"})
public record Compatibility(String builtAgainst, String glibc, List<String> serverSymbols) {

    /** More than the PostgreSQL server exports (about 10,000 symbols). */
    public static final int MAX_SERVER_SYMBOLS = 20_000;

    /** {@code 15.20}, {@code 18.1}; a pre-release server reports {@code 18beta1}, {@code 19devel}, {@code 18rc1}. */
    private static final Pattern PG_VERSION = Pattern.compile("([0-9]{1,2})(?:\\.([0-9]{1,4})|(?:beta|rc)[0-9]{1,2}|devel)");
    private static final Pattern GLIBC = Pattern.compile("GLIBC_([0-9]{1,3})\\.([0-9]{1,4})(?:\\.([0-9]{1,4}))?");
    private static final Pattern SYMBOL = Pattern.compile("[A-Za-z_][A-Za-z0-9_.$]{0,254}");

    public Compatibility {
        serverSymbols = serverSymbols == null ? List.of() : serverSymbols.stream().sorted().distinct().toList();
    }

    /** Checks every field; {@code pgMajor} is the manifest's, which {@code built_against} must match. */
    void validate(int pgMajor) {
        Matcher v = builtAgainst == null ? null : PG_VERSION.matcher(builtAgainst);
        if (v == null || !v.matches()) {
            throw new InvalidManifestException("compatibility.built_against", "'" + builtAgainst
                    + "' must be a PostgreSQL version like 15.20 (matching " + PG_VERSION.pattern() + ")");
        }
        if (Integer.parseInt(v.group(1)) != pgMajor) {
            throw new InvalidManifestException("compatibility.built_against", "'" + builtAgainst
                    + "' is not a version of PostgreSQL " + pgMajor + " (pg_major)");
        }
        if (glibc != null && !GLIBC.matcher(glibc).matches()) {
            throw new InvalidManifestException("compatibility.glibc", "'" + glibc + "' must be a glibc symbol version like GLIBC_2.34");
        }
        if (serverSymbols.size() > MAX_SERVER_SYMBOLS) {
            throw new InvalidManifestException("compatibility.server_symbols", "lists " + serverSymbols.size()
                    + " symbols, more than " + MAX_SERVER_SYMBOLS);
        }
        for (String s : serverSymbols) {
            if (s == null || !SYMBOL.matcher(s).matches()) {
                throw new InvalidManifestException("compatibility.server_symbols", "'" + s + "' must match " + SYMBOL.pattern());
            }
        }
    }

    /** True if {@code version} is a glibc symbol version such as {@code GLIBC_2.34}. */
    public static boolean isGlibcVersion(String version) {
        return version != null && GLIBC.matcher(version).matches();
    }

    /** Orders {@code GLIBC_x.y[.z]} numerically ({@code GLIBC_2.4 < GLIBC_2.34}); only for names {@link #isGlibcVersion} accepts. */
    public static final Comparator<String> GLIBC_ORDER = Comparator.comparingLong(Compatibility::glibcRank);

    /** The newest glibc version among {@code versions} (other names, like {@code GCC_3.0}, are skipped). */
    public static Optional<String> newestGlibc(Collection<String> versions) {
        return versions.stream().filter(Compatibility::isGlibcVersion).max(GLIBC_ORDER);
    }

    private static long glibcRank(String version) {
        Matcher m = GLIBC.matcher(version);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a glibc version: " + version);
        }
        long rank = 0;
        for (int g = 1; g <= 3; g++) {
            rank = rank * 10_000 + (m.group(g) == null ? 0 : Long.parseLong(m.group(g)));
        }
        return rank;
    }

    /** {@code GLIBC_2.34} → {@code 2.34}. */
    public static String glibcNumber(String version) {
        return version.startsWith("GLIBC_") ? version.substring("GLIBC_".length()) : version;
    }
}
