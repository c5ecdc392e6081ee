package dev.extfarm.worker.pipeline;

import dev.extfarm.bundle.BundleLimits;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.bundle.TarStream;
import dev.extfarm.worker.pipeline.BuildFailure.Responsibility;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Maps a build's output onto the bundle layout. The output is read as one tar stream that a
 * throwaway container made of the build's {@code /out} ({@link OutputExport}): the host never
 * opens a path the build could have replaced, so no link, FIFO or device the build planted is ever
 * followed or opened here. Everything in the stream is hostile until checked:
 * <ul>
 * <li>{@code install}, {@code bundled}, {@code licenses} must be directories and {@code libs.tsv} a
 * regular file, not links;</li>
 * <li>every symbolic link must be relative and stay inside the directory it is in ({@code install/}
 * etc.), and a link that is collected must resolve, through the other collected links, to a file
 * or directory of the bundle;</li>
 * <li>hard links, devices, FIFOs and sparse files are refused ({@link TarStream}), and nothing is
 * written through a link;</li>
 * <li>names, sizes and counts are bounded, {@code libs.tsv} lines are checked field by field.</li>
 * </ul>
 * A broken rule fails the build at {@code collect} with cause {@code output-escape} (a link, hard
 * link or special file) or {@code output-invalid} (anything else), naming the entry; the
 * responsibility is the recipe's. Debian's PostgreSQL paths are mapped as before, and
 * {@code $libdir/} is stripped so modules resolve through dynamic_library_path wherever the
 * prefix is mounted.
 */
final class TreeCollector {

    /** What the collector found beyond the files: library lists for the manifest. */
    record Collected(List<String> bundledLibraries, List<String> systemLibraries, List<BundledLibrary> bundled,
                     List<String> licenseFiles) {
    }

    /** A library copied into lib/, with the Debian package it came from (for the SBOM). */
    record BundledLibrary(String soname, String neededBy, String debianPackage, String debianVersion) {
    }

    /** The top-level names of /out that are collected, in the order the export lists them. */
    static final List<String> OUTPUT_NAMES = List.of("install", "bundled", "licenses", "libs.tsv");

    static final BundleLimits LIMITS = BundleLimits.DEFAULT;
    static final int MAX_LIBS_TSV = 1 << 20;
    private static final int MAX_LINK_HOPS = 40;
    private static final Pattern SONAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}");
    private static final Pattern DEBIAN_FIELD = Pattern.compile("[A-Za-z0-9.+:~_-]{0,200}");

    private final String name;
    private final Path tree;
    private final Consumer<String> log;
    private final Map<String, String> mapping = new LinkedHashMap<>();

    /** Out-space: every entry seen (path relative to /out → kind). */
    private final Map<String, TarStream.Kind> seen = new HashMap<>();
    /** Tree-space: links created (bundle path → target), files written. */
    private final Map<String, String> links = new TreeMap<>();
    private final Map<String, String> linkSources = new HashMap<>();
    private final TreeSet<String> files = new TreeSet<>();
    private final TreeSet<String> bundledFiles = new TreeSet<>();
    private final List<String> licenseFiles = new ArrayList<>();
    private byte[] libsTsv;

    TreeCollector(String name, int pgMajor, Path tree, Consumer<String> log) {
        this.name = name;
        this.tree = tree;
        this.log = log;
        mapping.put("usr/share/postgresql/" + pgMajor + "/extension/", "share/extension/");
        mapping.put("usr/share/postgresql/" + pgMajor + "/tsearch_data/", "share/tsearch_data/");
        mapping.put("usr/share/postgresql/" + pgMajor + "/contrib/", "share/contrib/");
        mapping.put("usr/lib/postgresql/" + pgMajor + "/lib/", "lib/");
        mapping.put("usr/lib/postgresql/" + pgMajor + "/bin/", "bin/");
        mapping.put("usr/share/doc/postgresql-doc-" + pgMajor + "/extension/", "doc/" + name + "/");
        mapping.put("usr/share/doc/postgresql-doc-" + pgMajor + "/contrib/", "doc/" + name + "/");
    }

    /** Reads the output stream to its end, writing what is collected into the tree (a fresh directory). */
    void read(InputStream in) throws IOException {
        if (Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("the collect directory " + tree + " already exists");
        }
        Files.createDirectories(tree);
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"));
        TarStream tar = new TarStream(in, LIMITS);
        try {
            for (TarStream.Entry e; (e = tar.next()) != null; ) {
                entry(tar, e);
            }
            tar.finish();
        } catch (BundleRejectedException e) {
            throw rejected(e);
        }
    }

    /** After the export exited cleanly: links resolved, {@code $libdir/} stripped, libs.tsv read. */
    Collected finish(boolean stripLibdir) throws IOException {
        checkLinksResolve();
        if (stripLibdir) {
            stripLibdir(tree.resolve("share/extension"));
        }
        return libraries();
    }

    private void entry(TarStream tar, TarStream.Entry e) throws IOException, BundleRejectedException {
        String path = e.path();
        if (path.isEmpty()) {
            throw invalid(".", "the output stream has an entry for /out itself");
        }
        for (String parent : parents(path)) {
            TarStream.Kind k = seen.get(parent);
            if (k == TarStream.Kind.SYMLINK) {
                throw escape(path, "is written through the symbolic link /out/" + parent);
            }
            if (k == TarStream.Kind.FILE) {
                throw invalid(path, "its parent /out/" + parent + " is a file");
            }
        }
        if (seen.put(path, e.kind()) != null) {
            throw invalid(path, "appears twice in the output");
        }
        int slash = path.indexOf('/');
        String top = slash < 0 ? path : path.substring(0, slash);
        String rest = slash < 0 ? "" : path.substring(slash + 1);
        if (!OUTPUT_NAMES.contains(top)) {
            throw invalid(path, "is not part of the build output (" + String.join(", ", OUTPUT_NAMES) + ")");
        }
        if (rest.isEmpty()) {
            TarStream.Kind expected = top.equals("libs.tsv") ? TarStream.Kind.FILE : TarStream.Kind.DIRECTORY;
            if (e.kind() == TarStream.Kind.SYMLINK) {
                throw escape(path, "is a symbolic link to '" + e.linkTarget() + "'; it must be a "
                        + (expected == TarStream.Kind.FILE ? "regular file" : "directory"));
            }
            if (e.kind() != expected) {
                throw invalid(path, "is a " + kindName(e.kind()) + ", not a " + kindName(expected));
            }
            if (expected == TarStream.Kind.FILE) {
                libsTsv = readSmall(tar, e, MAX_LIBS_TSV);
            }
            return;
        }
        if (e.kind() == TarStream.Kind.SYMLINK) {
            checkLinkStaysIn(top, path, e.linkTarget());
        }
        switch (top) {
            case "install" -> install(tar, e, rest);
            case "bundled" -> direct(tar, e, rest, "lib/" + rest, bundledFiles);
            case "licenses" -> direct(tar, e, rest, "licenses/" + name + "/" + rest, null);
            default -> throw invalid(path, "is not part of the build output");
        }
    }

    private void install(TarStream tar, TarStream.Entry e, String rel) throws IOException, BundleRejectedException {
        String target = null;
        for (var m : mapping.entrySet()) {
            if (rel.startsWith(m.getKey())) {
                target = m.getValue() + rel.substring(m.getKey().length());
                break;
            }
        }
        if (e.kind() == TarStream.Kind.DIRECTORY) {
            return; // directories are made for what they hold
        }
        if (target == null) {
            log.accept("##[extfarm] not bundled (outside the bundle layout): /" + rel);
            return;
        }
        put(tar, e, target);
    }

    /** bundled/ and licenses/: regular files directly inside; links are refused, subdirectories skipped. */
    private void direct(TarStream tar, TarStream.Entry e, String rel, String target, TreeSet<String> names)
            throws IOException, BundleRejectedException {
        if (e.kind() == TarStream.Kind.SYMLINK) {
            throw escape(e.path(), "is a symbolic link to '" + e.linkTarget() + "'; only regular files are collected here");
        }
        if (rel.contains("/") || e.kind() == TarStream.Kind.DIRECTORY) {
            log.accept("##[extfarm] not bundled (not a file directly in " + e.path().substring(0, e.path().indexOf('/')) + "/): /out/" + e.path());
            return;
        }
        put(tar, e, target);
        if (names != null) {
            names.add(rel);
        } else {
            licenseFiles.add(target);
        }
    }

    /** Writes a file or creates a link at {@code target} in the tree, never through a link. */
    private void put(TarStream tar, TarStream.Entry e, String target) throws IOException, BundleRejectedException {
        if (e.kind() == TarStream.Kind.SYMLINK && !staysInside(target, e.linkTarget())) {
            throw escape(e.path(), "is a symbolic link to '" + e.linkTarget() + "', which leaves the bundle once collected as " + target);
        }
        Path p = tree.resolve(target);
        mkdirs(target, e.path());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw invalid(e.path(), "would replace the directory " + target + " of the bundle");
        }
        // two source paths for one bundle path (doc/): the later one wins, as a fresh file
        if (Files.deleteIfExists(p)) {
            files.remove(target);
            links.remove(target);
        }
        if (e.kind() == TarStream.Kind.SYMLINK) {
            Files.createSymbolicLink(p, Path.of(e.linkTarget()));
            links.put(target, e.linkTarget());
            linkSources.put(target, e.path());
            return;
        }
        byte[] buf = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = tar.read(buf, 0, buf.length)) > 0; ) {
                out.write(buf, 0, n);
            }
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(e.executable() ? "rwxr-xr-x" : "rw-r--r--"));
        files.add(target);
    }

    /** Creates the parents of {@code target} inside the tree; none of them may be a link or a file. */
    private void mkdirs(String target, String entry) throws IOException {
        Path dir = tree;
        for (String c : parentComponents(target)) {
            dir = dir.resolve(c);
            if (Files.isSymbolicLink(dir)) {
                throw escape(entry, "would be written through the symbolic link " + tree.relativize(dir) + " of the bundle");
            }
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
            } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw invalid(entry, "needs the directory " + tree.relativize(dir) + " of the bundle, which is a file");
            }
        }
    }

    private void checkLinkStaysIn(String top, String path, String target) {
        if (target.startsWith("/")) {
            throw escape(path, "is a symbolic link to the absolute path '" + target + "'; links in the output must be relative");
        }
        if (!staysInside(path.substring(top.length() + 1), target)) {
            throw escape(path, "is a symbolic link to '" + target + "', which leaves /out/" + top);
        }
    }

    /** True when {@code target}, taken lexically from the directory of {@code linkPath}, never climbs above the root. */
    static boolean staysInside(String linkPath, String target) {
        if (target.isEmpty() || target.startsWith("/")) {
            return false;
        }
        int depth = parentComponents(linkPath).size();
        for (String c : target.split("/")) {
            if (c.equals("..")) {
                if (--depth < 0) {
                    return false;
                }
            } else if (!c.isEmpty() && !c.equals(".")) {
                depth++;
            }
        }
        return true;
    }

    /** Resolves every collected link through the others, as the kernel would, never leaving the tree. */
    private void checkLinksResolve() {
        TreeSet<String> dirs = new TreeSet<>();
        for (String p : files) {
            dirs.addAll(parents(p));
        }
        for (String p : links.keySet()) {
            dirs.addAll(parents(p));
        }
        for (var link : links.entrySet()) {
            List<String> resolved = new ArrayList<>(parentComponents(link.getKey()));
            ArrayDeque<String> todo = new ArrayDeque<>(List.of(link.getValue().split("/")));
            int hops = 0;
            while (!todo.isEmpty()) {
                String c = todo.removeFirst();
                if (c.isEmpty() || c.equals(".")) {
                    continue;
                }
                if (c.equals("..")) {
                    if (resolved.isEmpty()) {
                        throw unresolved(link.getKey(), link.getValue(), "leaves the bundle");
                    }
                    resolved.remove(resolved.size() - 1);
                    continue;
                }
                resolved.add(c);
                String next = links.get(String.join("/", resolved));
                if (next != null) {
                    if (++hops > MAX_LINK_HOPS) {
                        throw unresolved(link.getKey(), link.getValue(), "is part of a loop of links");
                    }
                    resolved.remove(resolved.size() - 1);
                    List<String> parts = List.of(next.split("/"));
                    for (int i = parts.size() - 1; i >= 0; i--) {
                        todo.addFirst(parts.get(i));
                    }
                }
            }
            String end = String.join("/", resolved);
            if (!files.contains(end) && !dirs.contains(end)) {
                throw unresolved(link.getKey(), link.getValue(), "is not a file or directory of the bundle");
            }
        }
    }

    private BuildFailure.Exception unresolved(String link, String target, String what) {
        return escape(linkSources.get(link), "is a symbolic link to '" + target + "', collected as " + link
                + ", and what it points at " + what);
    }

    private Collected libraries() {
        TreeSet<String> system = new TreeSet<>();
        List<BundledLibrary> bundled = new ArrayList<>();
        if (libsTsv != null) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(libsTsv)).toString();
            } catch (CharacterCodingException e) {
                throw invalid("libs.tsv", "is not UTF-8");
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isEmpty() && i == lines.length - 1) {
                    break;
                }
                String[] f = line.split("\t", -1);
                String where = "libs.tsv line " + (i + 1);
                if (f.length == 3 && f[0].equals("system") && SONAME.matcher(f[1]).matches() && printable(f[2])) {
                    system.add(f[1]);
                } else if (f.length == 5 && f[0].equals("bundled") && SONAME.matcher(f[1]).matches() && printable(f[2])
                        && DEBIAN_FIELD.matcher(f[3]).matches() && DEBIAN_FIELD.matcher(f[4]).matches()) {
                    if (!bundledFiles.contains(f[1])) {
                        throw invalid(where, "names the bundled library '" + f[1] + "', which is not a file in /out/bundled");
                    }
                    bundled.add(new BundledLibrary(f[1], f[2], f[3], f[4]));
                } else {
                    throw invalid(where, "is not 'system<TAB>soname<TAB>file' or 'bundled<TAB>soname<TAB>file<TAB>package<TAB>version'"
                            + " with a plain soname: " + printableExcerpt(line));
                }
            }
        }
        return new Collected(bundled.stream().map(BundledLibrary::soname).sorted().toList(), List.copyOf(system), bundled,
                List.copyOf(licenseFiles));
    }

    private byte[] readSmall(TarStream tar, TarStream.Entry e, int max) throws IOException, BundleRejectedException {
        if (e.size() > max) {
            throw invalid(e.path(), "is " + e.size() + " bytes, over the limit of " + max);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream((int) e.size());
        byte[] buf = new byte[8192];
        for (int n; (n = tar.read(buf, 0, buf.length)) > 0; ) {
            b.write(buf, 0, n);
        }
        return b.toByteArray();
    }

    /** {@code '$libdir/vector'} → {@code 'vector'} in control and SQL files. */
    static void stripLibdir(Path extensionDir) throws IOException {
        if (!Files.isDirectory(extensionDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var s = Files.list(extensionDir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && (n.endsWith(".control") || n.endsWith(".sql"))) {
                    String text = Files.readString(p, StandardCharsets.ISO_8859_1);
                    String stripped = text.replace("$libdir/", "");
                    if (!stripped.equals(text)) {
                        Files.writeString(p, stripped, StandardCharsets.ISO_8859_1);
                    }
                }
            }
        }
    }

    private static boolean printable(String s) {
        return s.length() <= 4096 && s.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    private static String printableExcerpt(String s) {
        String cut = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static String kindName(TarStream.Kind k) {
        return switch (k) {
            case FILE -> "regular file";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symbolic link";
        };
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

    /** The reader's refusals: links, hard links, devices, FIFOs and escaping names are escapes; the rest is invalid output. */
    static BuildFailure.Exception rejected(BundleRejectedException e) {
        String entry = e.entry() == null || e.entry().isEmpty() || e.entry().equals("-") ? "the output stream" : "/out/" + e.entry();
        return switch (e.rule()) {
            case LINK_ESCAPE, HARDLINK, DEVICE, ABSOLUTE_PATH, DOTDOT -> failure("output-escape", entry + ": " + e.detail()
                    + " (" + e.rule().id() + "); a build's output may hold only regular files, directories and relative links inside it");
            default -> failure("output-invalid", entry + ": " + e.detail() + " (" + e.rule().id() + ")");
        };
    }

    static BuildFailure.Exception escape(String entry, String what) {
        return failure("output-escape", "/out/" + entry + ": " + what);
    }

    static BuildFailure.Exception invalid(String entry, String what) {
        return failure("output-invalid", "/out/" + entry + ": " + what);
    }

    private static BuildFailure.Exception failure(String cause, String message) {
        return new BuildFailure(Step.COLLECT, cause, Responsibility.RECIPE, 0, message).toException();
    }
}
