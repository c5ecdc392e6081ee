package dev.extfarm.worker.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Maps what {@code make install DESTDIR=...} produced (Debian's PostgreSQL layout) onto the bundle
 * layout, adds the bundled libraries and license files, and strips {@code $libdir/} so modules
 * resolve through dynamic_library_path wherever the prefix is mounted. The install tree is
 * untrusted (the build wrote it): links are copied as links, never followed, and the bundle
 * writer refuses any that leave the tree.
 */
final class TreeCollector {

    /** What the collector found beyond the files: library lists for the manifest. */
    record Collected(List<String> bundledLibraries, List<String> systemLibraries, List<BundledLibrary> bundled,
                     List<String> licenseFiles) {
    }

    /** A library copied into lib/, with the Debian package it came from (for the SBOM). */
    record BundledLibrary(String soname, String neededBy, String debianPackage, String debianVersion) {
    }

    private TreeCollector() {
    }

    static Collected collect(Path out, String name, int pgMajor, boolean stripLibdir, Path tree, Consumer<String> log)
            throws IOException {
        Map<String, String> mapping = new LinkedHashMap<>();
        mapping.put("usr/share/postgresql/" + pgMajor + "/extension/", "share/extension/");
        mapping.put("usr/share/postgresql/" + pgMajor + "/tsearch_data/", "share/tsearch_data/");
        mapping.put("usr/share/postgresql/" + pgMajor + "/contrib/", "share/contrib/");
        mapping.put("usr/lib/postgresql/" + pgMajor + "/lib/", "lib/");
        mapping.put("usr/lib/postgresql/" + pgMajor + "/bin/", "bin/");
        mapping.put("usr/share/doc/postgresql-doc-" + pgMajor + "/extension/", "doc/" + name + "/");
        mapping.put("usr/share/doc/postgresql-doc-" + pgMajor + "/contrib/", "doc/" + name + "/");

        Path install = out.resolve("install");
        Files.createDirectories(tree);
        if (Files.isDirectory(install)) {
            Files.walkFileTree(install, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String rel = install.relativize(file).toString();
                    String target = null;
                    for (var m : mapping.entrySet()) {
                        if (rel.startsWith(m.getKey())) {
                            target = m.getValue() + rel.substring(m.getKey().length());
                            break;
                        }
                    }
                    if (target == null) {
                        log.accept("##[extfarm] not bundled (outside the bundle layout): /" + rel);
                        return FileVisitResult.CONTINUE;
                    }
                    copy(file, tree.resolve(target));
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        Path bundledDir = out.resolve("bundled");
        if (Files.isDirectory(bundledDir)) {
            try (var s = Files.list(bundledDir)) {
                for (Path p : s.sorted().toList()) {
                    copy(p, tree.resolve("lib").resolve(p.getFileName().toString()));
                }
            }
        }
        List<String> licenseFiles = new ArrayList<>();
        Path licenses = out.resolve("licenses");
        if (Files.isDirectory(licenses)) {
            try (var s = Files.list(licenses)) {
                for (Path p : s.sorted().toList()) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        String rel = "licenses/" + name + "/" + p.getFileName();
                        copy(p, tree.resolve(rel));
                        licenseFiles.add(rel);
                    }
                }
            }
        }
        if (stripLibdir) {
            stripLibdir(tree.resolve("share/extension"));
        }
        return libraries(out.resolve("libs.tsv"), licenseFiles);
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        if (Files.isSymbolicLink(from)) {
            Files.createSymbolicLink(to, Files.readSymbolicLink(from));
        } else if (Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(from, to, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** {@code '$libdir/vector'} → {@code 'vector'} in control and SQL files. */
    static void stripLibdir(Path extensionDir) throws IOException {
        if (!Files.isDirectory(extensionDir)) {
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

    private static Collected libraries(Path tsv, List<String> licenseFiles) throws IOException {
        TreeSet<String> system = new TreeSet<>();
        List<BundledLibrary> bundled = new ArrayList<>();
        if (Files.exists(tsv)) {
            for (String line : Files.readAllLines(tsv)) {
                String[] f = line.split("\t", -1);
                if (f.length >= 3 && f[0].equals("system")) {
                    system.add(f[1]);
                } else if (f.length >= 5 && f[0].equals("bundled")) {
                    bundled.add(new BundledLibrary(f[1], f[2], f[3], f[4]));
                }
            }
        }
        return new Collected(bundled.stream().map(BundledLibrary::soname).sorted().toList(), List.copyOf(system), bundled, licenseFiles);
    }
}
