package dev.extfarm.fetcher;

import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.NodeState;
import dev.extfarm.protocol.ComputeSpec;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Which version of a bundle carries the update scripts {@code ALTER EXTENSION x UPDATE TO 'v'}
 * needs. PostgreSQL chains the scripts {@code <x>--<a>--<b>.sql} of the extension's directory
 * from the database's version to the target; the installed bundle's scripts are in its record,
 * each other version's in the spec ({@code updates}). A new version keeps the scripts of the one
 * it replaces (see the installers), so a version carries a path if its scripts and the installed
 * ones together chain from {@code from} to {@code to}.
 */
final class Updates {

    private Updates() {
    }

    /**
     * The version to have installed for the update: the kept one when the installed scripts
     * already chain there; else, in this order, the version named {@code to}, the kept one, the
     * spec's entry, its newer versions (newest first). A version whose scripts the spec does not
     * list ({@code updates} absent: an older registry) is taken only if it is named {@code to}.
     */
    static Optional<ComputeSpec.Entry> carrier(ComputeSpec spec, NodeState state, String control, String from, String to,
                                               UnaryOperator<ComputeSpec.Entry> wanted) {
        Optional<ComputeSpec.Entry> listed = spec.providerOfExtension(control);
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        ComputeSpec.Entry keep = wanted.apply(listed.get());
        Optional<InstalledRecord> rec = state.get(listed.get().name()).filter(InstalledRecord::installed);
        Map<String, Set<String>> installed = rec.map(r -> ofFiles(r.files().keySet(), control)).orElse(Map.of());
        if (rec.isPresent() && reaches(installed, from, to)) {
            return Optional.of(keep);
        }
        Set<ComputeSpec.Entry> candidates = new LinkedHashSet<>();
        listed.get().allVersions().stream().filter(v -> v.version().equals(to)).forEach(candidates::add);
        candidates.add(keep);
        candidates.addAll(listed.get().allVersions());
        for (ComputeSpec.Entry c : candidates) {
            if (c.updates() == null) {
                if (c.version().equals(to)) {
                    return Optional.of(c);
                }
                continue;
            }
            Map<String, Set<String>> edges = ofPaths(c.updates().getOrDefault(control, List.of()));
            installed.forEach((a, bs) -> edges.computeIfAbsent(a, k -> new HashSet<>()).addAll(bs));
            if (reaches(edges, from, to)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The update scripts of {@code control} among installed files (absolute paths): from → {to}. */
    static Map<String, Set<String>> ofFiles(Collection<String> files, String control) {
        List<String> paths = new ArrayList<>();
        for (String f : files) {
            Path p = Path.of(f);
            String name = p.getFileName().toString();
            if (p.getParent() != null && p.getParent().getFileName() != null && p.getParent().getFileName().toString().equals("extension")
                    && name.startsWith(control + "--") && name.endsWith(".sql")) {
                paths.add(name.substring(control.length() + 2, name.length() - 4));
            }
        }
        return ofPaths(paths);
    }

    /** {@code ["a--b", …]} (two versions: PostgreSQL allows no "--" in a version) as from → {to}; others ignored. */
    static Map<String, Set<String>> ofPaths(Collection<String> paths) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String p : paths) {
            String[] ends = p.split("--", -1);
            if (ends.length == 2 && !ends[0].isEmpty() && !ends[1].isEmpty()) {
                out.computeIfAbsent(ends[0], k -> new HashSet<>()).add(ends[1]);
            }
        }
        return out;
    }

    /** Does a chain of update scripts lead from {@code from} to {@code to}? */
    static boolean reaches(Map<String, Set<String>> edges, String from, String to) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            String v = todo.poll();
            if (v.equals(to)) {
                return true;
            }
            if (seen.add(v)) {
                todo.addAll(edges.getOrDefault(v, Set.of()));
            }
        }
        return false;
    }
}
