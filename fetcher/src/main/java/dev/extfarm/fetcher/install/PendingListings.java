package dev.extfarm.fetcher.install;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Phase 1's listings (records and control files of bundles not installed yet) written without
 * waiting for the disk, and made safe by a journal instead.
 *
 * <p>Why: a listing is derived from the spec, and every {@code prepare} lists again what is
 * missing; so it must be <em>recoverable</em> after a power loss, not durable before PostgreSQL
 * starts. Syncing 28 records and 28 control files before "ready" cost 0.2-0.5 s of a 2-core node's
 * ready time, and held the installer's lock while phase 2's own install waited for it.
 *
 * <p>The protocol: (1) {@code <state>/listing.json} is written durably (the one sync on the way):
 * the records about to be written and the paths about to be deleted; (2) the records, then the
 * control files, are renamed into place unsynced (a killed process cannot tear them, a power loss
 * can); (3) {@link NodeState#settleListings() settling} later syncs them all and deletes the
 * journal: when phase 4 starts, before anything else writes a record or a file of a pending
 * listing, and at the next start. Recovery, at the next start before the records are read, keeps
 * a listing whose record and control files are whole (the bytes the journal names) and syncs it;
 * any other it rolls back, deleting its record and the control files it was writing, so the next
 * phase 1 lists it again.
 */
final class PendingListings {

    static final String FILE = "listing.json";

    /** The journal's content. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Batch(List<InstalledRecord> records, List<String> removals) {
        Batch {
            records = records == null ? List.of() : List.copyOf(records);
            removals = removals == null ? List.of() : List.copyOf(removals);
        }

        Set<String> names() {
            Set<String> out = new HashSet<>();
            records.forEach(r -> out.add(r.name()));
            return out;
        }
    }

    /** What one {@link #snapshot()} saw pending: synced outside the state's lock, then {@link #finish}ed under it. */
    record Snapshot(long generation, List<Path> files, Set<Path> dirs) {
        void sync() throws IOException {
            AtomicFiles.fsyncAll(files.stream().filter(Files::isRegularFile).toList());
            for (Path d : dirs) {
                AtomicFiles.syncDir(d);
            }
        }
    }

    private final Path root;
    private final Path journal;
    private final Set<String> names = new HashSet<>();
    private final Set<Path> files = new LinkedHashSet<>();
    private final Set<Path> dirs = new LinkedHashSet<>();
    private long generation;
    private boolean pending;

    PendingListings(Path root) {
        this.root = root;
        this.journal = root.resolve(FILE);
    }

    /** The batch a crash (or a {@code prepare} that exited) left behind, if any. */
    Optional<Batch> leftOver() throws IOException {
        if (!Files.exists(journal)) {
            return Optional.empty();
        }
        try {
            return Optional.of(NodeState.json().readValue(journal.toFile(), Batch.class));
        } catch (IOException unreadable) {
            // written by rename after a sync, so never torn: an unreadable one was not ours to act on
            Files.delete(journal);
            return Optional.empty();
        }
    }

    /**
     * Rolls forward or back what {@code left} describes (see the class comment), given the records
     * read from disk (modified in place); returns what it did, for the log.
     */
    List<String> recover(Batch left, Map<String, InstalledRecord> records, Path installedDir) throws IOException {
        List<String> notes = new ArrayList<>();
        List<Path> keep = new ArrayList<>();
        Set<String> rolledBack = new HashSet<>();
        for (InstalledRecord r : left.records()) {
            InstalledRecord onDisk = records.get(r.name());
            Path recordFile = installedDir.resolve(r.name() + ".json");
            if (onDisk != null && onDisk.installed()) {
                continue; // installed since (that settled the listing first): not the listing's to touch
            }
            if (r.equals(onDisk) && whole(r)) {
                keep.add(recordFile);
                mine(r).forEach(p -> keep.add(Path.of(p)));
                continue;
            }
            Files.deleteIfExists(recordFile);
            records.remove(r.name());
            rolledBack.add(r.name());
            Set<String> written = new LinkedHashSet<>(mine(r));
            if (onDisk != null) {
                written.addAll(mine(onDisk));
            }
            for (String p : written) {
                if (records.values().stream().noneMatch(o -> o.files().containsKey(p))) {
                    Files.deleteIfExists(Path.of(p));
                }
            }
            notes.add("the listing of " + r.label() + " was cut short by a crash: rolled back, phase 1 lists it again");
        }
        for (String p : left.removals()) {
            if (records.values().stream().noneMatch(o -> o.files().containsKey(p))) {
                Files.deleteIfExists(Path.of(p));
            }
        }
        Set<Path> syncDirs = new LinkedHashSet<>();
        keep.forEach(p -> syncDirs.add(p.getParent()));
        left.removals().forEach(p -> syncDirs.add(Path.of(p).getParent()));
        new Snapshot(0, keep, syncDirs).sync();
        Files.deleteIfExists(journal);
        AtomicFiles.syncDir(root);
        if (rolledBack.isEmpty() && !left.records().isEmpty()) {
            notes.add("the listings of " + left.records().size() + " bundles were whole: synced");
        }
        return notes;
    }

    private static boolean whole(InstalledRecord r) {
        return mine(r).stream().allMatch(p -> InstalledFiles.sameFile(Path.of(p), r.files().get(p), null));
    }

    /** The files a listing wrote itself (not the ones it found in place with the same bytes). */
    private static List<String> mine(InstalledRecord r) {
        return r.files().keySet().stream().filter(p -> !r.adopted().contains(p)).toList();
    }

    /** Writes a batch: the journal durably, then records and files unsynced, then deletes {@code removals}. */
    void write(List<InstalledRecord> rs, Path installedDir, Map<Path, byte[]> controls, List<Path> removals) throws IOException {
        AtomicFiles.write(journal, NodeState.json().writeValueAsBytes(
                new Batch(rs, removals.stream().map(Path::toString).toList())));
        pending = true;
        generation++;
        Map<Path, byte[]> all = new LinkedHashMap<>();
        for (InstalledRecord r : rs) {
            all.put(installedDir.resolve(r.name() + ".json"), NodeState.json().writeValueAsBytes(r));
        }
        all.putAll(controls); // after the records: a file on disk is never unaccounted for
        // noted before the writes: if one fails half-way, settling still syncs what did reach its place
        rs.forEach(r -> names.add(r.name()));
        for (Path p : all.keySet()) {
            files.add(p);
            dirs.add(p.toAbsolutePath().getParent());
        }
        DurableBatch.writeAll(all, false);
        for (Path old : removals) {
            Files.deleteIfExists(old);
            dirs.add(old.toAbsolutePath().getParent());
        }
    }

    /** Whether writing this bundle's record, or any of these paths, must wait until the pending listings are settled. */
    boolean touches(String bundle, Collection<String> paths) {
        return pending && (names.contains(bundle) || paths.stream().anyMatch(p -> files.contains(Path.of(p))));
    }

    /** What is pending now, or null if nothing is. */
    Snapshot snapshot() {
        return pending ? new Snapshot(generation, List.copyOf(files), Set.copyOf(dirs)) : null;
    }

    /** After {@code s} was synced: the journal goes, unless another batch was written meanwhile (which settled this one first). */
    void finish(Snapshot s) throws IOException {
        if (!pending || s.generation() != generation) {
            return;
        }
        Files.deleteIfExists(journal);
        AtomicFiles.syncDir(root);
        names.clear();
        files.clear();
        dirs.clear();
        pending = false;
    }
}
