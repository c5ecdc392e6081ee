package dev.extfarm.registry.changes;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.registry.changes.BuildChanges.FileChange;
import dev.extfarm.registry.changes.BuildChanges.FileSide;
import dev.extfarm.registry.changes.BuildChanges.Library;
import dev.extfarm.registry.changes.BuildChanges.LibraryChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Compares two bundles from what the registry verified when it accepted them: their manifests
 * (every file with size, sha-256 and mode; bundled and system libraries) and the Debian packages
 * their SBOMs name for the bundled libraries. Pure: no I/O.
 */
final class BundleDiff {

    /** One bundle's side: its manifest, its bundle.tar size and its bundled libraries by soname. */
    record Side(BundleManifest manifest, long size, Map<String, Library> libraries) {
    }

    private BundleDiff() {
    }

    static BuildChanges.Diff between(Side before, Side after) {
        return new BuildChanges.Diff(after.size() - before.size(), filesSize(after.manifest()) - filesSize(before.manifest()),
                files(before.manifest(), after.manifest()), libraries(before.libraries(), after.libraries()),
                systemLibraries(before.manifest(), after.manifest()));
    }

    private static long filesSize(BundleManifest m) {
        return m.files().stream().mapToLong(BundleManifest.FileEntry::size).sum();
    }

    private static BuildChanges.Files files(BundleManifest before, BundleManifest after) {
        Map<String, BundleManifest.FileEntry> old = byPath(before);
        Map<String, BundleManifest.FileEntry> now = byPath(after);
        List<FileSide> added = new ArrayList<>();
        List<FileSide> removed = new ArrayList<>();
        List<FileChange> changed = new ArrayList<>();
        int unchanged = 0;
        for (var e : now.entrySet()) {
            BundleManifest.FileEntry was = old.get(e.getKey());
            if (was == null) {
                added.add(side(e.getValue()));
            } else if (same(was, e.getValue())) {
                unchanged++;
            } else {
                changed.add(new FileChange(e.getKey(), side(was), side(e.getValue())));
            }
        }
        old.forEach((path, was) -> {
            if (!now.containsKey(path)) {
                removed.add(side(was));
            }
        });
        return new BuildChanges.Files(added, removed, changed, unchanged);
    }

    private static Map<String, BundleManifest.FileEntry> byPath(BundleManifest m) {
        return m.files().stream().collect(Collectors.toMap(BundleManifest.FileEntry::path, Function.identity(), (a, b) -> a, TreeMap::new));
    }

    private static boolean same(BundleManifest.FileEntry a, BundleManifest.FileEntry b) {
        return a.size() == b.size() && Objects.equals(a.sha256(), b.sha256()) && Objects.equals(a.mode(), b.mode())
                && Objects.equals(a.link(), b.link());
    }

    private static FileSide side(BundleManifest.FileEntry f) {
        return f.isSymlink() ? new FileSide(f.path(), null, null, f.mode(), f.link())
                : new FileSide(f.path(), f.size(), f.sha256(), f.mode(), null);
    }

    private static BuildChanges.Libraries libraries(Map<String, Library> before, Map<String, Library> after) {
        List<Library> added = new ArrayList<>();
        List<Library> removed = new ArrayList<>();
        List<LibraryChange> changed = new ArrayList<>();
        new TreeMap<>(after).forEach((soname, lib) -> {
            Library was = before.get(soname);
            if (was == null) {
                added.add(lib);
            } else if (!was.equals(lib)) {
                changed.add(new LibraryChange(soname, was, lib));
            }
        });
        new TreeMap<>(before).forEach((soname, lib) -> {
            if (!after.containsKey(soname)) {
                removed.add(lib);
            }
        });
        return new BuildChanges.Libraries(added, removed, changed);
    }

    private static BuildChanges.SystemLibraries systemLibraries(BundleManifest before, BundleManifest after) {
        TreeSet<String> added = new TreeSet<>(after.systemLibraries());
        added.removeAll(before.systemLibraries());
        TreeSet<String> removed = new TreeSet<>(before.systemLibraries());
        removed.removeAll(after.systemLibraries());
        return new BuildChanges.SystemLibraries(List.copyOf(added), List.copyOf(removed));
    }
}
