package dev.extfarm.fetcher.install;

import dev.extfarm.fetcher.report.FetchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL installation the fetcher serves: either its shared {@code share} and {@code lib}
 * directories (PostgreSQL 15/17: files are renamed in one by one under a journal), or a prefix of
 * the fetcher's own (PostgreSQL 18: one directory per bundle, added to {@code
 * extension_control_path} and {@code dynamic_library_path}).
 *
 * @param binDir where a bundle's {@code bin/} goes; null = bundles' programs are not installed
 * @param pluginLibraries libraries named in {@code local_preload_libraries} (shared mode): the
 *     bundles providing them also get their {@code lib/} files into {@code <lib>/plugins/}
 */
public record PgLayout(Mode mode, Path shareDir, Path libDir, Path binDir, Path prefix, Set<String> pluginLibraries) {

    public PgLayout {
        pluginLibraries = Set.copyOf(pluginLibraries);
    }

    public enum Mode { SHARED, PREFIX }

    public static PgLayout shared(Path shareDir, Path libDir, Path binDir) {
        return new PgLayout(Mode.SHARED, shareDir.toAbsolutePath().normalize(), libDir.toAbsolutePath().normalize(),
                binDir == null ? null : binDir.toAbsolutePath().normalize(), null, Set.of());
    }

    public static PgLayout prefix(Path prefix) {
        Path p = prefix.toAbsolutePath().normalize();
        return new PgLayout(Mode.PREFIX, null, null, null, p, Set.of());
    }

    /**
     * The same layout, knowing which libraries {@code local_preload_libraries} names (module names):
     * PostgreSQL loads those only from {@code $libdir/plugins/}, so in shared mode the bundles
     * providing them are installed there too ({@link #pluginTargetOf}). Prefix mode ignores it.
     */
    public PgLayout withPluginLibraries(Collection<String> libraries) {
        return new PgLayout(mode, shareDir, libDir, binDir, prefix, Set.copyOf(libraries));
    }

    /** Asks {@code pg_config} for {@code --sharedir}, {@code --pkglibdir} and {@code --bindir}. */
    public static PgLayout fromPgConfig(Path pgConfig) throws FetchException {
        List<String> lines = pgConfig(pgConfig, "--sharedir", "--pkglibdir", "--bindir");
        return shared(Path.of(lines.get(0)), Path.of(lines.get(1)), Path.of(lines.get(2)));
    }

    /** The PostgreSQL major version {@code pg_config --version} reports, e.g. 15. */
    public static int majorFromPgConfig(Path pgConfig) throws FetchException {
        String v = pgConfig(pgConfig, "--version").get(0); // "PostgreSQL 15.14 (Debian ...)"
        String[] words = v.split("\\s+");
        try {
            return Integer.parseInt(words[1].split("[.a-z]")[0]);
        } catch (RuntimeException e) {
            throw new FetchException(FetchException.Kind.INVALID, "pg-config", pgConfig + " --version said '" + v + "'");
        }
    }

    static List<String> pgConfig(Path pgConfig, String... args) throws FetchException {
        List<String> cmd = new ArrayList<>();
        cmd.add(pgConfig.toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new FetchException(FetchException.Kind.INVALID, "pg-config", pgConfig + " failed: " + out.strip());
            }
            List<String> lines = out.lines().map(String::strip).toList();
            if (lines.size() != args.length) {
                throw new FetchException(FetchException.Kind.INVALID, "pg-config", pgConfig + " printed " + lines);
            }
            return lines;
        } catch (IOException e) {
            throw new FetchException(FetchException.Kind.INVALID, "pg-config", "cannot run " + pgConfig + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted running pg_config");
        }
    }

    /** {@code <share>/extension} in shared mode. */
    public Path extensionDir() {
        return shareDir.resolve("extension");
    }

    /**
     * Where installed markers live (what the PostgreSQL-side module checks):
     * {@code <share>/extension/.extfarm} in shared mode, {@code <prefix>/.extfarm/installed} with a prefix.
     */
    public Path markerDir() {
        return mode == Mode.SHARED ? extensionDir().resolve(".extfarm") : prefix.resolve(".extfarm").resolve("installed");
    }

    /** Where a bundle file goes in shared mode; empty for files PostgreSQL does not read (doc, licenses, sbom). */
    public Optional<Path> targetOf(String bundlePath) {
        if (bundlePath.startsWith("share/extension/") || bundlePath.startsWith("share/tsearch_data/")
                || bundlePath.startsWith("share/contrib/")) {
            return Optional.of(shareDir.resolve(bundlePath.substring("share/".length())));
        }
        if (bundlePath.startsWith("lib/")) {
            return Optional.of(libDir.resolve(bundlePath.substring("lib/".length())));
        }
        if (bundlePath.startsWith("bin/") && binDir != null) {
            return Optional.of(binDir.resolve(bundlePath.substring("bin/".length())));
        }
        return Optional.empty();
    }

    /** The second place of a top-level {@code lib/} file of a local-preload bundle: {@code <lib>/plugins/<file>}. */
    public Optional<Path> pluginTargetOf(String bundlePath) {
        if (mode != Mode.SHARED || !bundlePath.startsWith("lib/") || bundlePath.indexOf('/', "lib/".length()) >= 0) {
            return Optional.empty();
        }
        return Optional.of(libDir.resolve("plugins").resolve(bundlePath.substring("lib/".length())));
    }

    public String describe() {
        return mode == Mode.SHARED ? "share " + shareDir + ", lib " + libDir : "prefix " + prefix;
    }
}
