package dev.extfarm.fetcher.install;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Installs into PostgreSQL's own {@code share} and {@code lib} directories (15/17). Each file is
 * first copied next to its target as {@code .extfarm-new.<name>.<id>} and synced, then the journal
 * turns {@code committing}, then every file is renamed over its target, then the record and the
 * markers are written. See {@link Journal} for what recovery does at each point.
 */
final class SharedInstaller implements Installer {

    static final String TMP_PREFIX = ".extfarm-new.";

    private final PgLayout layout;
    private final NodeState state;
    private final Markers markers;
    private final JournaledChanges changes;
    private final Object lock;

    SharedInstaller(PgLayout layout, NodeState state) {
        this.layout = layout;
        this.state = state;
        this.markers = new Markers(layout.markerDir());
        this.changes = new JournaledChanges(state, markers, new Steps());
        this.lock = changes.lock();
    }

    @Override
    public Markers markers() {
        return markers;
    }

    @Override
    public NodeState state() {
        return state;
    }

    @Override
    public PgLayout layout() {
        return layout;
    }

    @Override
    public List<String> recover() throws IOException {
        return changes.recover();
    }

    @Override
    public Path stagingFor(ComputeSpec.Entry e) {
        return state.stagingDir().resolve(e.name() + "-" + e.sha256().substring(0, 12) + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Override
    public boolean providedBySystem(String name, boolean library) {
        Path p = library ? layout.libDir().resolve(name + ".so") : layout.extensionDir().resolve(name + ".control");
        return Files.exists(p) && state.ownerOf(p.toString(), "").isEmpty();
    }

    @Override
    public void publishControls(ComputeSpec.Entry e, Map<String, byte[]> controls) throws FetchException {
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(e.name());
            if (prev.isPresent() && prev.get().installed()) {
                return;
            }
            Map<String, String> files = new TreeMap<>();
            List<String> adopted = new ArrayList<>();
            try {
                state.settleListingsTouching(e.name(), controls.keySet().stream()
                        .map(c -> layout.extensionDir().resolve(c + ".control").toString()).toList());
            } catch (IOException io) {
                throw JournaledChanges.failure("syncing the listed control files", io);
            }
            for (var c : controls.entrySet()) {
                Path target = layout.extensionDir().resolve(c.getKey() + ".control");
                String sha = Digests.sha256(c.getValue());
                String key = target.toString();
                boolean ours = prev.isPresent() && prev.get().files().containsKey(key);
                if (!ours && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Optional<InstalledRecord> owner = state.ownerOf(key, e.name());
                    if (!InstalledFiles.sameFile(target, sha, null)) {
                        throw InstalledFiles.conflict(e, key, owner);
                    }
                    if (owner.isEmpty()) {
                        adopted.add(key);
                    }
                }
                files.put(key, sha);
            }
            InstalledRecord rec = new InstalledRecord(e.name(), e.version(), e.sha256(), InstalledRecord.AVAILABLE, files, adopted,
                    List.copyOf(controls.keySet()), List.of(), e.sharedPreload(), null, Instant.now().toString());
            try {
                state.put(rec); // record first: a file on disk is never unaccounted for
                for (var c : controls.entrySet()) {
                    Path target = layout.extensionDir().resolve(c.getKey() + ".control");
                    if (!adopted.contains(target.toString())) {
                        AtomicFiles.write(target, c.getValue());
                    }
                }
                if (prev.isPresent()) {
                    for (String old : prev.get().files().keySet()) {
                        if (!files.containsKey(old) && !prev.get().adopted().contains(old) && state.ownerOf(old, e.name()).isEmpty()) {
                            Files.deleteIfExists(Path.of(old));
                        }
                    }
                }
            } catch (IOException io) {
                throw JournaledChanges.failure("writing the control files of " + e.label(), io);
            }
        }
    }

    /**
     * Phase 1 for many bundles at once, with the rules of {@link #publishControls(ComputeSpec.Entry, Map)}
     * for each: all records are renamed into place before any control file, and nothing waits for the
     * disk: a journal makes the batch recoverable until it is synced ({@link NodeState#putListings}).
     */
    @Override
    public Map<String, FetchException> publishControls(List<Listing> listings) {
        Map<String, FetchException> refused = new LinkedHashMap<>();
        synchronized (lock) {
            List<InstalledRecord> records = new ArrayList<>();
            Map<Path, byte[]> writes = new LinkedHashMap<>();
            List<Path> stale = new ArrayList<>();
            for (Listing l : listings) {
                ComputeSpec.Entry e = l.entry();
                Optional<InstalledRecord> prev = state.get(e.name());
                if (prev.isPresent() && prev.get().installed()) {
                    continue;
                }
                Map<String, String> files = new TreeMap<>();
                List<String> adopted = new ArrayList<>();
                Map<Path, byte[]> mine = new LinkedHashMap<>();
                try {
                    for (var c : l.controls().entrySet()) {
                        Path target = layout.extensionDir().resolve(c.getKey() + ".control");
                        String sha = Digests.sha256(c.getValue());
                        String key = target.toString();
                        boolean ours = prev.isPresent() && prev.get().files().containsKey(key);
                        if (!ours && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                            Optional<InstalledRecord> owner = state.ownerOf(key, e.name());
                            if (!InstalledFiles.sameFile(target, sha, null)) {
                                throw InstalledFiles.conflict(e, key, owner);
                            }
                            if (owner.isEmpty()) {
                                adopted.add(key);
                            }
                        }
                        files.put(key, sha);
                        if (!adopted.contains(key)) {
                            mine.put(target, c.getValue());
                        }
                    }
                } catch (FetchException conflict) {
                    refused.put(e.name(), conflict);
                    continue;
                }
                records.add(new InstalledRecord(e.name(), e.version(), e.sha256(), InstalledRecord.AVAILABLE, files, adopted,
                        List.copyOf(l.controls().keySet()), List.of(), e.sharedPreload(), null, Instant.now().toString()));
                writes.putAll(mine);
                prev.ifPresent(p -> p.files().keySet().stream()
                        .filter(old -> !files.containsKey(old) && !p.adopted().contains(old) && state.ownerOf(old, e.name()).isEmpty())
                        .forEach(old -> stale.add(Path.of(old))));
            }
            try {
                state.putListings(records, writes, stale); // one batch, the records renamed first: a file on disk is never unaccounted for
            } catch (IOException io) {
                for (InstalledRecord r : records) {
                    refused.put(r.name(), JournaledChanges.failure("writing the control files of " + r.label(), io));
                }
            }
        }
        return refused;
    }

    @Override
    public InstalledRecord install(ComputeSpec.Entry e, VerifiedBundle vb, Path tree) throws FetchException {
        BundleManifest m = vb.manifest();
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(e.name());
            Map<String, String> files = new TreeMap<>();
            List<String> adopted = new ArrayList<>();
            List<Journal.Rename> ops = new ArrayList<>();
            Map<Path, Path> sources = new LinkedHashMap<>();
            List<String> conflicts = new ArrayList<>();
            String id = UUID.randomUUID().toString().substring(0, 8);
            Set<String> pluginLibraries = pluginLibraries();
            boolean plugin = m.libraries().stream().anyMatch(pluginLibraries::contains);
            for (var ft : targets(m, plugin)) {
                BundleManifest.FileEntry f = ft.file();
                Path target = ft.target();
                String key = target.toString();
                String value = f.isSymlink() ? "link:" + f.link() : f.sha256();
                files.put(key, value);
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Optional<InstalledRecord> owner = state.ownerOf(key, e.name());
                    boolean same = InstalledFiles.sameFile(target, f.sha256(), f.link());
                    boolean wasOurs = prev.isPresent() && prev.get().files().containsKey(key) && !prev.get().adopted().contains(key);
                    if (!same && (owner.isPresent() || !wasOurs)) {
                        conflicts.add(InstalledFiles.conflict(e, key, owner).getMessage());
                        continue;
                    }
                    if (same && owner.isEmpty() && !wasOurs) {
                        adopted.add(key);
                        continue;
                    }
                    if (same) {
                        continue; // identical bytes already there (shared with another bundle or unchanged)
                    }
                }
                Path tmp = target.resolveSibling(TMP_PREFIX + target.getFileName() + "." + id);
                ops.add(new Journal.Rename(tmp.toString(), key));
                sources.put(tmp, tree.resolve(f.path()));
            }
            if (!conflicts.isEmpty()) {
                throw new FetchException(FetchException.Kind.CONFLICT, "file-conflict", String.join("; ", conflicts.subList(0,
                        Math.min(3, conflicts.size()))) + (conflicts.size() > 3 ? " (and " + (conflicts.size() - 3) + " more)" : "")
                        + "; refusing to install " + e.label() + ", nothing was changed");
            }
            Set<String> removals = new LinkedHashSet<>();
            prev.ifPresent(p -> p.files().forEach((old, value) -> {
                if (files.containsKey(old) || p.adopted().contains(old) || state.ownerOf(old, e.name()).isPresent()) {
                    return;
                }
                if (p.installed() && InstalledFiles.isScriptOf(p, Path.of(old), layout.extensionDir())
                        && InstalledFiles.sameFile(Path.of(old), value, null)) {
                    files.put(old, value); // the previous version's script stays usable beside the new version (see isScriptOf)
                } else {
                    removals.add(old);
                }
            }));
            InstalledRecord rec = new InstalledRecord(e.name(), m.version(), vb.sha256(), InstalledRecord.INSTALLED, files, adopted,
                    m.extensions(), m.libraries(), m.sharedPreload(), null, Instant.now().toString());
            try {
                // a file this install keeps as it is ("same bytes") may be a listing's, not synced yet
                state.settleListingsTouching(e.name(), files.keySet());
            } catch (IOException io) {
                throw JournaledChanges.failure("syncing the listed control files of " + e.label(), io);
            }
            Journal j = new Journal("install", e.name(), Journal.PREPARED, ops, List.copyOf(removals), rec, prev.orElse(null));
            changes.install(j, e.label(), () -> stage(sources));
            return rec;
        }
    }

    private record FileTarget(BundleManifest.FileEntry file, Path target) {
    }

    /**
     * Moves each bundle file to its temporary name beside its target (a rename on the same
     * filesystem, a copy across), synced with its directory. A file going to two targets
     * ({@code $libdir/plugins/}) is copied from the first.
     */
    private static void stage(Map<Path, Path> sources) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        List<Path> written = new ArrayList<>();
        Map<Path, Path> movedTo = new LinkedHashMap<>();
        for (var s : sources.entrySet()) {
            Path tmp = s.getKey();
            Path src = s.getValue();
            mkdirs(tmp.getParent());
            dirs.add(tmp.getParent());
            if (Files.isSymbolicLink(src)) {
                Files.createSymbolicLink(tmp, Files.readSymbolicLink(src));
            } else if (movedTo.containsKey(src)) {
                Files.copy(movedTo.get(src), tmp); // a second target of the same file ($libdir/plugins/)
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(movedTo.get(src)));
                written.add(tmp);
            } else {
                movedTo.put(src, tmp);
                Files.move(src, tmp);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(Files.isExecutable(tmp) ? "rwxr-xr-x" : "rw-r--r--"));
                written.add(tmp);
            }
        }
        AtomicFiles.fsyncAll(written);
        for (Path d : dirs) {
            AtomicFiles.syncDir(d);
        }
    }

    /** local_preload_libraries as configured, and as connections named them (pg_extfarm asks with ?local_preload=true). */
    private Set<String> pluginLibraries() {
        Set<String> all = new HashSet<>(layout.pluginLibraries());
        all.addAll(state.pluginLibraries());
        return all;
    }

    @Override
    public void addPluginLibrary(String library) throws IOException {
        state.addPluginLibrary(library);
    }

    @Override
    public boolean missingPluginCopies(InstalledRecord r) {
        if (!r.installed() || r.libraries().stream().noneMatch(pluginLibraries()::contains)) {
            return false;
        }
        for (String f : r.files().keySet()) {
            Path p = Path.of(f);
            if (layout.libDir().equals(p.getParent()) && !r.files().containsKey(layout.libDir().resolve("plugins").resolve(p.getFileName()).toString())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where each bundle file goes; with {@code plugin} (the bundle provides a library named in
     * local_preload_libraries, which PostgreSQL loads only from {@code $libdir/plugins/}) its
     * top-level {@code lib/} files go there too: the module and the libraries it finds through
     * RUNPATH {@code $ORIGIN}.
     */
    private List<FileTarget> targets(BundleManifest m, boolean plugin) {
        List<FileTarget> out = new ArrayList<>();
        for (BundleManifest.FileEntry f : m.files()) {
            layout.targetOf(f.path()).ifPresent(t -> out.add(new FileTarget(f, t)));
            if (plugin) {
                layout.pluginTargetOf(f.path()).ifPresent(t -> out.add(new FileTarget(f, t)));
            }
        }
        return out;
    }

    private static void mkdirs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
    }

    @Override
    public void remove(String bundle) throws FetchException {
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(bundle);
            if (prev.isEmpty()) {
                return;
            }
            InstalledRecord p = prev.get();
            List<String> removals = p.files().keySet().stream()
                    .filter(f -> !p.adopted().contains(f) && state.ownerOf(f, bundle).isEmpty()).toList();
            changes.apply(new Journal("remove", bundle, Journal.COMMITTING, List.of(), removals, null, p), "removing " + p.label());
        }
    }

    /** Files renamed over their targets one by one: what a journal of this layout does ({@link JournaledChanges}). */
    private static final class Steps implements JournaledChanges.Steps {

        @Override
        public void place(Journal j) throws IOException {
            Set<Path> dirs = new LinkedHashSet<>();
            for (Journal.Rename r : j.ops()) {
                Path tmp = Path.of(r.tmp());
                if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                    AtomicFiles.rename(tmp, Path.of(r.target()));
                    dirs.add(tmp.getParent());
                }
            }
            for (String r : j.removals()) {
                Path p = Path.of(r);
                Files.deleteIfExists(p);
                dirs.add(p.getParent());
            }
            for (Path d : dirs) {
                AtomicFiles.syncDir(d);
            }
        }

        @Override
        public void discard(Journal j) throws IOException {
            for (Journal.Rename r : j.ops()) {
                Files.deleteIfExists(Path.of(r.tmp()));
            }
        }
    }

    @Override
    public List<String> problems(InstalledRecord r) {
        return InstalledFiles.problems(r, markers);
    }
}
