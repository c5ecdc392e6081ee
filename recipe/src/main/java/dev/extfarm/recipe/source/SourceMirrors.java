package dev.extfarm.recipe.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The operator's source mirrors, for farms without internet: directories tried before the network,
 * their files verified exactly like downloads. A mirror holds
 *
 * <pre>
 * sha256/&lt;hex&gt;                    an archive source (url, debian_source), by its sha-256
 * &lt;host&gt;/&lt;path&gt;.bundle             a git source: a git bundle of the repository, or
 * &lt;host&gt;/&lt;path&gt;.git/               a bare repository ({@code https://github.com/pgaudit/pgaudit.git}
 *                                  → {@code github.com/pgaudit/pgaudit.bundle}, with or without .git)
 * </pre>
 *
 * Mirrors are operator configuration ({@value #ENV}, directories separated by {@code :}; default
 * {@code /var/cache/extfarm/sources} when it exists), but what is in them is treated like anything
 * downloaded: no link is followed, inside the mirror or out of it, and every file is checked against
 * the recipe's pin. They are the only local files a recipe's source can come from.
 */
public record SourceMirrors(List<Path> dirs) {

    public static final String ENV = "EXTFARM_SOURCE_MIRRORS";
    public static final Path DEFAULT = Path.of("/var/cache/extfarm/sources");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public SourceMirrors {
        dirs = dirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
    }

    public static SourceMirrors none() {
        return new SourceMirrors(List.of());
    }

    /** {@value #ENV} of this process, else the default directory when it exists. */
    public static SourceMirrors fromEnvironment() {
        return fromSetting(System.getenv(ENV));
    }

    /** {@code a:b:c}; unset or blank: the default directory when it exists. */
    public static SourceMirrors fromSetting(String setting) {
        if (setting == null || setting.isBlank()) {
            return new SourceMirrors(Files.isDirectory(DEFAULT) ? List.of(DEFAULT) : List.of());
        }
        List<Path> dirs = new ArrayList<>();
        for (String part : setting.split(":")) {
            if (!part.isBlank()) {
                dirs.add(Path.of(part.strip()));
            }
        }
        return new SourceMirrors(dirs);
    }

    /** The setting for a child process: {@value #ENV} → these directories. */
    public Map<String, String> asEnvironment() {
        return Map.of(ENV, String.join(":", dirs.stream().map(Path::toString).toList()));
    }

    /** {@code <mirror>/sha256/<hex>} of the first mirror that has it (a regular file, reached without links). */
    public Optional<Path> archive(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            return Optional.empty();
        }
        for (Path mirror : dirs) {
            Path p = mirror.resolve("sha256").resolve(sha256);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && noLinks(mirror, p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Every mirror's {@code sha256/<hex>} that is a regular file reached without links, in mirror
     * order (when one has other bytes, the next is tried); an entry that is a link or lies behind
     * one is noted in {@code skipped} and never opened.
     */
    public List<Path> archives(String sha256, List<String> skipped) {
        List<Path> out = new ArrayList<>();
        if (!SHA256.matcher(sha256).matches()) {
            return out;
        }
        for (Path mirror : dirs) {
            Path p = mirror.resolve("sha256").resolve(sha256);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (!noLinks(mirror, p)) {
                skipped.add(p + ": a symbolic link, or behind one: not followed");
            } else if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                skipped.add(p + ": not a regular file");
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** {@code sha256/<hex>}: where an archive lives in a mirror, and in the worker's source cache. */
    public static Path archivePath(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha-256: " + sha256);
        }
        return Path.of("sha256", sha256);
    }

    /** The setting's form: the directories joined by {@code :}. */
    @Override
    public String toString() {
        return String.join(":", dirs.stream().map(Path::toString).toList());
    }

    /** Where one mirror keeps a git repository, if it has it: the bundle, else the bare repository. */
    public static Optional<Path> git(Path mirror, URI url) {
        for (String candidate : List.of(GitSources.mirrorPath(url) + ".bundle", GitSources.mirrorPath(url) + ".git")) {
            Path p = mirror.resolve(candidate).normalize();
            if (p.startsWith(mirror) && Files.exists(p, LinkOption.NOFOLLOW_LINKS) && noLinks(mirror, p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** No symbolic link between the mirror's root and {@code p}, {@code p} included. */
    private static boolean noLinks(Path root, Path p) {
        for (Path q = p; q != null && q.startsWith(root) && !q.equals(root); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) {
                return false;
            }
        }
        return true;
    }
}
