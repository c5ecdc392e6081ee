package dev.extfarm.recipe.source;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.recipe.Recipe;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Git sources: the pinned commit, fetched into a bare repository of the farm's own, then exported
 * as a deterministic tar archive of its tree.
 *
 * <p>Where the commit comes from: the operator's source mirrors first ({@code <mirror>/<host>/<path>.bundle}
 * or {@code <mirror>/<host>/<path>.git/}, the URL's path with or without {@code .git}), then, only when
 * a {@link Network} is given, the URL itself over https. git always runs without a shell, with every
 * transport but the one needed disabled, without hooks, templates or the user's and system's
 * configuration, and with {@code fsckObjects} on, since the repository's objects are untrusted.
 *
 * <p>Why the archive is written here and not by {@code git archive}: {@code git archive} applies the
 * repository's own {@code export-subst}/{@code export-ignore} attributes (upstream-controlled
 * formats run at export time) and its output has changed between git versions. This export is a
 * function of the tree alone: entries in path order, directories included, mtime the commit's
 * committer time, owner 0, modes 0644/0755, symbolic links as links (the unpacker judges them),
 * submodules left out. Its sha-256 is the same on every machine.
 */
public final class GitSources {

    /** How the network is reached for a repository no mirror has; empty: offline. */
    public interface Network {
        /**
         * Extra {@code git -c} settings for fetching {@code url}: the checked address to connect to
         * ({@code http.curloptResolve}) and whatever else the egress rules require.
         *
         * @throws SourceException when the URL may not be fetched (its address is forbidden)
         */
        List<String> gitConfigFor(URI url) throws SourceException;
    }

    /** What an export produced: the archive and its sha-256. */
    public record Exported(Path archive, String sha256) {
    }

    static final long MAX_ENTRIES = 200_000;

    private final Path repos;
    private final Path exports;
    private final Path tmp;
    private final SourceMirrors mirrors;
    private final Optional<Network> network;
    private final Duration timeout;
    private final long maxBytes;

    public GitSources(Path cacheDir, SourceMirrors mirrors, Optional<Network> network, Duration timeout, long maxBytes) {
        this.repos = cacheDir.toAbsolutePath().normalize().resolve("git");
        this.exports = cacheDir.resolve("git-exports");
        this.tmp = cacheDir.resolve("tmp");
        this.mirrors = mirrors;
        this.network = network;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    /** Where a mirror keeps this repository: {@code <host>/<path>} without {@code .git}, e.g. {@code github.com/pgaudit/pgaudit}. */
    public static String mirrorPath(URI url) {
        String path = url.getPath().replaceAll("/+$", "");
        if (path.endsWith(".git")) {
            path = path.substring(0, path.length() - 4);
        }
        return url.getHost() + path;
    }

    /**
     * The exported archive of the source's commit (from the export cache, or fetched and exported now).
     *
     * @throws SourceException {@code source-unavailable} when neither a mirror nor the network has the
     *     commit; {@code checksum-mismatch} when the tag names another commit
     */
    public Exported fetch(Recipe.GitSource source) throws SourceException, IOException {
        return export(repository(source), source);
    }

    /**
     * The farm's bare repository of the source's URL, holding its commit (and its tag, checked to
     * name that commit): fetched from the mirrors, then the network, when it does not yet.
     */
    Path repository(Recipe.GitSource source) throws SourceException, IOException {
        Path repo = repositoryDir(source.url());
        ensureRepository(repo);
        boolean have = hasCommit(repo, source.commit()) && source.tag().map(t -> tagIsFetched(repo, t)).orElse(true);
        List<String> tried = new ArrayList<>();
        if (!have) {
            for (Path mirror : mirrors.dirs()) {
                Optional<Path> found = SourceMirrors.git(mirror, source.url());
                if (found.isEmpty()) {
                    tried.add(mirror + " (no " + mirrorPath(source.url()) + ".bundle or .git/)");
                    continue;
                }
                fetchFrom(repo, found.get().toString(), List.of("-c", "protocol.file.allow=always"));
                if (hasCommit(repo, source.commit())) {
                    have = true;
                    break;
                }
                tried.add(found.get() + " (has no commit " + source.commit() + ")");
            }
        }
        if (!have && network.isPresent()) {
            List<String> config = new ArrayList<>(List.of("-c", "protocol.https.allow=always", "-c", "http.followRedirects=false"));
            for (String c : network.get().gitConfigFor(source.url())) {
                config.addAll(List.of("-c", c));
            }
            fetchFrom(repo, source.url().toString(), config, source.commit());
            have = hasCommit(repo, source.commit());
            tried.add(source.url() + (have ? "" : " (has no commit " + source.commit() + ")"));
        } else if (!have) {
            tried.add(source.url() + " (not fetched: this farm fetches git sources from its mirrors only)");
        }
        if (!have) {
            throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, "git commit " + source.commit() + " of "
                    + source.url() + " was not found; tried " + String.join("; ", tried)
                    + ". Give the farm a source mirror that holds it (EXTFARM_SOURCE_MIRRORS, ./extfarm sources mirror)");
        }
        if (source.tag().isPresent()) {
            checkTag(repo, source);
        }
        return repo;
    }

    /** Where this cache keeps the bare repository of {@code url}. */
    Path repositoryDir(URI url) throws SourceException {
        Path repo = repos.resolve(mirrorPath(url) + ".git").normalize();
        if (!repo.startsWith(repos)) {
            throw new SourceException(SourceException.Reason.URL_HOST, "git " + url + ": not a plain repository path");
        }
        return repo;
    }

    void ensureRepository(Path repo) throws IOException, SourceException {
        if (Files.isDirectory(repo.resolve("objects"), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.createDirectories(repo.getParent());
        Files.createDirectories(tmp);
        Path fresh = Files.createTempDirectory(tmp, "git-");
        git(fresh, List.of("init", "--bare", "--quiet", "--template="));
        try {
            Files.move(fresh, repo, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
            if (!Files.isDirectory(repo.resolve("objects"))) {
                throw raced;
            }
            FileTrees.deleteRecursively(fresh);
        }
    }

    void fetchFrom(Path repo, String from, List<String> config, String... refspecs) throws SourceException, IOException {
        List<String> args = new ArrayList<>(config);
        args.addAll(List.of("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", from));
        if (refspecs.length == 0) {
            args.addAll(List.of("+refs/heads/*:refs/mirror/heads/*", "+refs/tags/*:refs/tags/*"));
        } else {
            args.addAll(List.of(refspecs));
        }
        Result r = git(repo, args);
        if (r.exit != 0) {
            throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, "git fetch from " + from + " failed: " + r.errors());
        }
    }

    private boolean hasCommit(Path repo, String commit) throws IOException, SourceException {
        Result r = git(repo, List.of("cat-file", "-t", commit));
        return r.exit == 0 && r.out().strip().equals("commit");
    }

    private boolean tagIsFetched(Path repo, String tag) {
        try {
            return git(repo, List.of("rev-parse", "--verify", "--quiet", "refs/tags/" + tag + "^{commit}")).exit == 0;
        } catch (IOException | SourceException e) {
            return false;
        }
    }

    private void checkTag(Path repo, Recipe.GitSource source) throws SourceException, IOException {
        String tag = source.tag().orElseThrow();
        if (network.isPresent() && !tagIsFetched(repo, tag)) {
            List<String> config = new ArrayList<>(List.of("-c", "protocol.https.allow=always", "-c", "http.followRedirects=false"));
            for (String c : network.get().gitConfigFor(source.url())) {
                config.addAll(List.of("-c", c));
            }
            fetchFrom(repo, source.url().toString(), config, "+refs/tags/" + tag + ":refs/tags/" + tag);
        }
        Result r = git(repo, List.of("rev-parse", "--verify", "--quiet", "refs/tags/" + tag + "^{commit}"));
        if (r.exit != 0) {
            throw new SourceException(SourceException.Reason.CHECKSUM_MISMATCH, "tag " + tag + " does not exist in " + source.url()
                    + " (the recipe pins commit " + source.commit() + "; drop the tag or correct it)");
        }
        String named = r.out().strip();
        if (!named.equals(source.commit())) {
            throw new SourceException(SourceException.Reason.CHECKSUM_MISMATCH, "tag " + tag + " of " + source.url() + " names commit "
                    + named + ", but the recipe pins " + source.commit() + "; the farm builds the pinned commit only when its tag agrees");
        }
    }

    /** The deterministic archive of the commit's tree, cached by commit. */
    private Exported export(Path repo, Recipe.GitSource source) throws SourceException, IOException {
        Files.createDirectories(exports);
        Path cached = exports.resolve(source.commit() + ".tar");
        if (Files.isRegularFile(cached, LinkOption.NOFOLLOW_LINKS)) {
            return new Exported(cached, Sha256.of(cached));
        }
        long time = Long.parseLong(git(repo, List.of("show", "-s", "--format=%ct", source.commit())).checked("git show").strip());
        String prefix = Path.of(mirrorPath(source.url())).getFileName() + "-" + source.commit().substring(0, 12) + "/";
        List<TreeEntry> entries = tree(repo, source.commit());
        Files.createDirectories(tmp);
        Path temp = Files.createTempFile(tmp, "git-export-", ".part");
        try {
            writeTar(repo, entries, prefix, time, temp);
            Files.move(temp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        return new Exported(cached, Sha256.of(cached));
    }

    /** One entry of {@code git ls-tree -r}: mode, object id, path (submodules excluded). */
    private record TreeEntry(String mode, String object, String path) {
    }

    private List<TreeEntry> tree(Path repo, String commit) throws SourceException, IOException {
        Result r = git(repo, List.of("ls-tree", "-r", "-z", "--full-tree", commit));
        String out = r.checked("git ls-tree");
        List<TreeEntry> entries = new ArrayList<>();
        for (String record : out.split("\0")) {
            if (record.isEmpty()) {
                continue;
            }
            int tab = record.indexOf('\t');
            String[] meta = record.substring(0, tab).split(" ");
            String path = record.substring(tab + 1);
            if (meta[1].equals("commit")) {
                continue; // a submodule: its tree is another repository's, not part of this commit
            }
            entries.add(new TreeEntry(meta[0], meta[2], path));
            if (entries.size() > MAX_ENTRIES) {
                throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "the commit's tree has more than " + MAX_ENTRIES + " files");
            }
        }
        return entries;
    }

    private void writeTar(Path repo, List<TreeEntry> entries, String prefix, long time, Path out) throws SourceException, IOException {
        TreeSet<String> dirs = new TreeSet<>();
        for (TreeEntry e : entries) {
            for (int i = e.path().indexOf('/'); i >= 0; i = e.path().indexOf('/', i + 1)) {
                dirs.add(e.path().substring(0, i + 1));
            }
        }
        // every name once, in byte order: directories (with their '/') sort before their contents
        TreeSet<String> names = new TreeSet<>(dirs);
        Map<String, TreeEntry> files = new HashMap<>();
        for (TreeEntry e : entries) {
            names.add(e.path());
            files.put(e.path(), e);
        }
        long total = 0;
        ProcessBuilder pb = gitProcess(repo, List.of("cat-file", "--batch"));
        Process batch = pb.start();
        try (OutputStream req = batch.getOutputStream(); InputStream res = new BufferedInputStream(batch.getInputStream());
             TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.putArchiveEntry(dirEntry(prefix, time));
            tar.closeArchiveEntry();
            for (String name : names) {
                if (name.endsWith("/")) {
                    tar.putArchiveEntry(dirEntry(prefix + name, time));
                    tar.closeArchiveEntry();
                    continue;
                }
                TreeEntry e = files.get(name);
                req.write((e.object() + "\n").getBytes(StandardCharsets.US_ASCII));
                req.flush();
                String header = readLine(res);
                String[] h = header.split(" ");
                if (h.length != 3 || !h[1].equals("blob")) {
                    throw new SourceException(SourceException.Reason.BAD_ARCHIVE, "git cat-file: unexpected answer for " + name + ": " + header);
                }
                long size = Long.parseLong(h[2]);
                total += size;
                if (total > maxBytes) {
                    throw new SourceException(SourceException.Reason.UNSAFE_ARCHIVE, "the commit's tree is larger than " + maxBytes + " bytes");
                }
                TarArchiveEntry t;
                if (e.mode().equals("120000")) {
                    byte[] target = res.readNBytes((int) Math.min(size, 4096));
                    res.skipNBytes(size - target.length);
                    t = new TarArchiveEntry(prefix + name, TarArchiveEntry.LF_SYMLINK);
                    t.setLinkName(new String(target, StandardCharsets.UTF_8));
                    t.setMode(0120777);
                    stamp(t, time);
                    tar.putArchiveEntry(t);
                } else {
                    t = new TarArchiveEntry(prefix + name);
                    t.setSize(size);
                    t.setMode(e.mode().equals("100755") ? 0100755 : 0100644);
                    stamp(t, time);
                    tar.putArchiveEntry(t);
                    copy(res, tar, size);
                }
                tar.closeArchiveEntry();
                if (res.read() != '\n') {
                    throw new SourceException(SourceException.Reason.BAD_ARCHIVE, "git cat-file: malformed output after " + name);
                }
            }
            tar.finish();
        } finally {
            batch.destroy();
            try {
                batch.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static TarArchiveEntry dirEntry(String name, long time) {
        TarArchiveEntry d = new TarArchiveEntry(name);
        d.setMode(040755);
        stamp(d, time);
        return d;
    }

    private static void stamp(TarArchiveEntry e, long time) {
        e.setModTime(time * 1000);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0 || line.size() > 1024) {
                throw new IOException("git cat-file ended early");
            }
            line.write(c);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("git cat-file ended early");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    record Result(int exit, String out, String err) {
        String errors() {
            String e = err.strip();
            return e.isEmpty() ? "exit " + exit : e.lines().limit(5).reduce((a, b) -> a + "; " + b).orElse(e);
        }

        String checked(String what) throws SourceException {
            if (exit != 0) {
                throw new SourceException(SourceException.Reason.BAD_ARCHIVE, what + " failed: " + errors());
            }
            return out;
        }
    }

    /** git with a fixed, minimal environment: no shell, no user or system configuration, no prompts. */
    private ProcessBuilder gitProcess(Path dir, List<String> args) {
        List<String> command = new ArrayList<>(List.of("git", "-c", "protocol.allow=never", "-c", "core.hooksPath=/dev/null",
                "-c", "transfer.fsckObjects=true", "-c", "fetch.fsckObjects=true", "-c", "core.askPass=", "-c", "credential.helper=",
                "-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=60"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", dir.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_ASKPASS", "/bin/false");
        env.put("LC_ALL", "C");
        return pb;
    }

    Result git(Path dir, List<String> args) throws IOException, SourceException {
        Process p = gitProcess(dir, args).start();
        p.getOutputStream().close();
        var out = new CompletableFuture<byte[]>();
        var err = new CompletableFuture<byte[]>();
        daemon(() -> drain(p.getInputStream(), out));
        daemon(() -> drain(p.getErrorStream(), err));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new SourceException(SourceException.Reason.SOURCE_UNAVAILABLE, "git " + firstVerb(args)
                        + " took longer than " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running git", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "git-output");
        t.setDaemon(true);
        t.start();
    }

    private static String firstVerb(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-c")) {
                i++;
            } else {
                return args.get(i);
            }
        }
        return args.get(0);
    }

    private static void drain(InputStream in, CompletableFuture<byte[]> into) {
        try (in) {
            into.complete(in.readAllBytes());
        } catch (IOException e) {
            into.completeExceptionally(e);
        }
    }
}
