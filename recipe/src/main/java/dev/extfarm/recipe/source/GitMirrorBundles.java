package dev.extfarm.recipe.source;

import dev.extfarm.recipe.Recipe;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Writes the git sources of recipes into a source mirror as {@code <mirror>/<host>/<path>.bundle}:
 * one git bundle per repository, holding every pinned commit (a branch
 * {@code refs/heads/extfarm/pinned/<commit>} each, so that a fetch of the mirror's branches
 * brings them) and the tags, with their history.
 *
 * <p>The commits come from the source mirrors given (a farm fetches git sources from mirrors only)
 * through {@link GitSources}: git without a shell, {@code fsckObjects} on, each tag checked to name
 * its pinned commit. A bundle already in the mirror that holds every commit and tag asked for is
 * kept as it is; one that lacks some is rewritten with what it had plus what is missing. The new
 * bundle appears by an atomic rename and is then read back like a worker would, so a mirror never
 * holds a bundle that does not serve its commits. No link in the mirror is followed.
 */
public final class GitMirrorBundles {

    /** What became of one repository's bundle. */
    public enum Outcome { KEPT, WRITTEN }

    private final Path work;
    private final SourceMirrors from;
    private final Duration timeout;
    private final long maxBytes;
    private int runs;

    /**
     * @param work an empty directory for this run's repositories (the caller deletes it)
     * @param from the mirrors the commits come from
     */
    public GitMirrorBundles(Path work, SourceMirrors from, Duration timeout, long maxBytes) {
        this.work = work;
        this.from = from;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    /** {@code <host>/<path>.bundle}: where a mirror keeps the repository of {@code url}. */
    public static Path bundlePath(URI url) {
        return Path.of(GitSources.mirrorPath(url) + ".bundle");
    }

    /**
     * Makes {@code mirror} hold every commit of {@code sources}, which all name one repository.
     *
     * @throws SourceException {@code source-unavailable} when no mirror has a commit;
     *     {@code checksum-mismatch} when a tag names another commit than the pinned one
     */
    public Outcome write(Path mirror, List<Recipe.GitSource> sources) throws SourceException, IOException {
        URI url = sources.get(0).url();
        Path root = mirror.toAbsolutePath().normalize();
        Path target = target(root, url);
        for (Recipe.GitSource s : sources) {
            if (!GitSources.mirrorPath(s.url()).equals(GitSources.mirrorPath(url))) {
                throw new IllegalArgumentException(s.url() + " is not the repository of " + url);
            }
        }
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && serves(root, sources)) {
            return Outcome.KEPT;
        }

        GitSources build = new GitSources(nextDir(), from, Optional.empty(), timeout, maxBytes);
        Path repo = build.repositoryDir(url);
        build.ensureRepository(repo);
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            // what the mirror's bundle had stays in the new one (a git bundle is checked by git: fsckObjects)
            try {
                build.fetchFrom(repo, target.toString(), List.of("-c", "protocol.file.allow=always"),
                        "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*");
            } catch (SourceException unreadable) {
                // a broken bundle is replaced by one made from the other mirrors
            }
        }
        TreeSet<String> commits = new TreeSet<>();
        for (Recipe.GitSource s : sources) {
            build.repository(s); // fetched from the mirrors, the tag checked
            commits.add(s.commit());
        }
        for (String commit : commits) {
            build.git(repo, List.of("update-ref", "refs/heads/extfarm/pinned/" + commit, commit)).checked("git update-ref");
        }

        Path parent = target.getParent();
        Files.createDirectories(parent);
        requireNoLinks(root, parent);
        Path temp = Files.createTempFile(parent, "." + target.getFileName(), ".part");
        try {
            // a bundle of refs only (no raw commit ids): --branches holds the pinned commits and what an
            // earlier bundle had, --tags the tags; the mirror's own fetch refs (refs/mirror/*) stay out
            Files.delete(temp); // git bundle create writes the file itself
            build.git(repo, List.of("bundle", "create", "--quiet", temp.toString(), "--branches", "--tags")).checked("git bundle create");
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        if (!serves(root, sources)) {
            Files.deleteIfExists(target);
            throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, "the bundle written to " + target
                    + " does not serve the pinned commits when read back; it was removed");
        }
        return Outcome.WRITTEN;
    }

    /** Whether this mirror alone gives every commit (and tag) of {@code sources}, read like a worker reads it. */
    private boolean serves(Path mirror, List<Recipe.GitSource> sources) throws IOException {
        GitSources check = new GitSources(nextDir(), new SourceMirrors(List.of(mirror)), Optional.empty(), timeout, maxBytes);
        try {
            for (Recipe.GitSource s : sources) {
                check.repository(s);
            }
            return true;
        } catch (SourceException e) {
            return false;
        }
    }

    /** {@code <mirror>/<host>/<path>.bundle}, inside the mirror, not behind a link, not a directory or a link itself. */
    private static Path target(Path root, URI url) throws SourceException, IOException {
        Path target = root.resolve(bundlePath(url)).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new SourceException(SourceException.Reason.URL_HOST, "git " + url + ": its mirror path leaves the mirror");
        }
        requireNoLinks(root, target);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + " is in the way: not a regular file (a git bundle goes there)");
        }
        return target;
    }

    private static void requireNoLinks(Path root, Path p) throws IOException {
        List<Path> chain = new ArrayList<>();
        for (Path q = p; q != null && q.startsWith(root) && !q.equals(root); q = q.getParent()) {
            chain.add(q);
        }
        for (Path q : chain) {
            if (Files.isSymbolicLink(q)) {
                throw new IOException(q + " is a symbolic link: a source mirror is written without following links");
            }
        }
    }

    private Path nextDir() {
        return work.resolve("run-" + (++runs));
    }
}
