package dev.extfarm.fetcher.install;

import dev.extfarm.bundle.Digests;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What both layouts ask of an installed bundle's files: are they whole, which are its SQL scripts, who owns a path. */
final class InstalledFiles {

    private InstalledFiles() {
    }

    /** Missing or changed files of the record, and missing markers of an installed bundle; empty = whole. */
    static List<String> problems(InstalledRecord r, Markers markers) {
        List<String> out = new ArrayList<>();
        for (var f : r.files().entrySet()) {
            Path p = Path.of(f.getKey());
            String v = f.getValue();
            String link = v.startsWith("link:") ? v.substring(5) : null;
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(p + " is missing");
            } else if (!sameFile(p, link == null ? v : null, link)) {
                out.add(p + " has other bytes than " + r.label() + " installed");
            }
        }
        if (r.installed() && !markers.present(r)) {
            out.add("the installed markers of " + r.label() + " are missing");
        }
        return out;
    }

    /** A regular file with this sha-256 ({@code link} null), or a symbolic link to {@code link}. */
    static boolean sameFile(Path p, String sha256, String link) {
        try {
            if (link != null) {
                return Files.isSymbolicLink(p) && Files.readSymbolicLink(p).toString().equals(link);
            }
            return !Files.isSymbolicLink(p) && Files.isRegularFile(p) && Digests.sha256(p).equals(sha256);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Is this file, directly in {@code extensionDir}, one of the SQL scripts (or secondary control
     * files, {@code <extension>--<version>.control}) of the record's extensions? A new version keeps
     * those of the previous one it does not carry itself: databases may still be at the previous
     * version, and its install and update scripts chain them (and {@code CREATE EXTENSION …
     * VERSION}) to versions the new bundle no longer ships scripts from.
     */
    static boolean isScriptOf(InstalledRecord r, Path file, Path extensionDir) {
        String name = file.getFileName().toString();
        return extensionDir.equals(file.getParent()) && (name.endsWith(".sql") || name.endsWith(".control") && name.contains("--"))
                && r.controls().stream().anyMatch(c -> name.startsWith(c + "--"));
    }

    static FetchException conflict(ComputeSpec.Entry e, String path, Optional<InstalledRecord> owner) {
        return new FetchException(FetchException.Kind.CONFLICT, "file-conflict", path + " is installed by "
                + owner.map(o -> "bundle '" + o.name() + "' " + o.version()).orElse("something other than extfarm (PostgreSQL itself or a package)")
                + " and bundle '" + e.name() + "' " + e.version() + " has different bytes for it");
    }
}
