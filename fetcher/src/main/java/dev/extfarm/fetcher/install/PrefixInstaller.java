package dev.extfarm.fetcher.install;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * PostgreSQL 18 with a prefix of the fetcher's own:
 * <pre>
 * &lt;prefix&gt;/
 *   &lt;bundle&gt; -&gt; .extfarm/store/&lt;bundle&gt;@&lt;sha256&gt;   one symbolic link per bundle, swapped by rename
 *   extfarm.conf                                   include it from postgresql.conf: extension_control_path
 *                                                  and dynamic_library_path list every &lt;prefix&gt;/&lt;bundle&gt;
 *   .extfarm/store/&lt;bundle&gt;@&lt;sha256&gt;/share/extension/…, lib/…   the unpacked bundle, renamed into place whole
 *   .extfarm/installed/&lt;extension&gt;.installed, libraries/&lt;module&gt;.installed   markers
 * </pre>
 * A bundle becomes visible in one step: the reader renames its staging directory into the store,
 * then one rename points the bundle's link at it.
 */
final class PrefixInstaller implements Installer {

    private final PgLayout layout;
    private final NodeState state;
    private final Markers markers;
    private final Path store;
    private final Object lock = new Object();

    PrefixInstaller(PgLayout layout, NodeState state) throws IOException {
        this.layout = layout;
        this.state = state;
        this.markers = new Markers(layout.markerDir());
        this.store = layout.prefix().resolve(".extfarm").resolve("store");
        Files.createDirectories(store);
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
        List<String> done = new ArrayList<>(state.recoveredListings());
        synchronized (lock) {
            for (Journal j : Journal.pending(state)) {
                commit(j); // link swaps are journaled only once the target directory is complete
                done.add("completed the interrupted " + j.op() + " of " + j.bundle());
            }
            Set<String> referenced = new HashSet<>();
            for (InstalledRecord r : state.all()) {
                if (r.dir() != null) {
                    referenced.add(Path.of(r.dir()).getFileName().toString());
                }
            }
            try (Stream<Path> s = Files.list(store)) {
                for (Path d : s.toList()) {
                    if (!referenced.contains(d.getFileName().toString())) {
                        FileTrees.deleteRecursively(d); // unpacked or half-unpacked, never linked
                    }
                }
            }
            FileTrees.deleteRecursively(state.stagingDir());
            Files.createDirectories(state.stagingDir());
        }
        return done;
    }

    private Path link(String bundle) {
        return layout.prefix().resolve(bundle);
    }

    @Override
    public Path stagingFor(ComputeSpec.Entry e) throws IOException {
        Path dir = store.resolve(e.name() + "@" + e.sha256());
        Optional<InstalledRecord> r = state.get(e.name());
        if (r.isPresent() && dir.toString().equals(r.get().dir())) {
            dir = store.resolve(e.name() + "@" + e.sha256() + "." + System.nanoTime());
        } else {
            FileTrees.deleteRecursively(dir);
        }
        return dir;
    }

    @Override
    public boolean providedBySystem(String name, boolean library) {
        return false; // the system directories are PostgreSQL's own business in prefix mode
    }

    @Override
    public void publishControls(ComputeSpec.Entry e, Map<String, byte[]> controls) throws FetchException {
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(e.name());
            if (prev.isPresent() && (prev.get().installed() || prev.get().sha256().equals(e.sha256()))) {
                return;
            }
            Path dir = store.resolve(e.name() + "@controls-" + e.sha256());
            try {
                FileTrees.deleteRecursively(dir);
                Map<String, String> files = new TreeMap<>();
                for (var c : controls.entrySet()) {
                    Path f = dir.resolve("share/extension/" + c.getKey() + ".control");
                    AtomicFiles.write(f, c.getValue());
                    files.put(f.toString(), Digests.sha256(c.getValue()));
                }
                InstalledRecord rec = new InstalledRecord(e.name(), e.version(), e.sha256(), InstalledRecord.AVAILABLE, files,
                        List.of(), List.copyOf(controls.keySet()), List.of(), e.sharedPreload(), dir.toString(), Instant.now().toString());
                swap(new Journal("link", e.name(), Journal.COMMITTING, List.of(), List.of(), rec, prev.orElse(null)));
            } catch (IOException io) {
                throw SharedInstaller.ioFailure("writing the control files of " + e.label(), io);
            }
        }
    }

    @Override
    public InstalledRecord install(ComputeSpec.Entry e, VerifiedBundle vb, Path tree) throws FetchException {
        synchronized (lock) {
            Map<String, String> files = new TreeMap<>();
            vb.manifest().files().forEach(f -> files.put(tree.resolve(f.path()).toString(), f.isSymlink() ? "link:" + f.link() : f.sha256()));
            try {
                keepScripts(state.get(e.name()).orElse(null), tree, files);
            } catch (IOException io) {
                throw SharedInstaller.ioFailure("keeping the previous version's scripts of " + e.label(), io);
            }
            InstalledRecord rec = new InstalledRecord(e.name(), vb.manifest().version(), vb.sha256(), InstalledRecord.INSTALLED, files,
                    List.of(), vb.manifest().extensions(), vb.manifest().libraries(), vb.manifest().sharedPreload(), tree.toString(),
                    Instant.now().toString());
            try {
                swap(new Journal("link", e.name(), Journal.COMMITTING, List.of(), List.of(), rec, state.get(e.name()).orElse(null)));
            } catch (IOException io) {
                throw SharedInstaller.ioFailure("linking " + e.label() + " into " + layout.prefix(), io);
            }
            return rec;
        }
    }

    /**
     * A new version keeps the previous one's SQL scripts (and secondary control files) that it does
     * not carry itself, copied into its store directory before the link swaps: databases may still be
     * at the previous version, and its scripts chain them to versions the new bundle no longer ships
     * scripts from (as in shared mode).
     */
    private static void keepScripts(InstalledRecord prev, Path tree, Map<String, String> files) throws IOException {
        if (prev == null || !prev.installed() || prev.dir() == null || tree.toString().equals(prev.dir())) {
            return;
        }
        Path oldDir = Path.of(prev.dir()).resolve("share/extension");
        for (var f : prev.files().entrySet()) {
            Path p = Path.of(f.getKey());
            String name = p.getFileName().toString();
            boolean script = oldDir.equals(p.getParent()) && (name.endsWith(".sql") || name.endsWith(".control") && name.contains("--"))
                    && prev.controls().stream().anyMatch(c -> name.startsWith(c + "--"));
            Path target = tree.resolve("share/extension").resolve(name);
            if (script && !files.containsKey(target.toString()) && SharedInstaller.sameFile(p, f.getValue(), null)) {
                Files.createDirectories(target.getParent());
                Files.copy(p, target);
                AtomicFiles.fsync(target);
                files.put(target.toString(), f.getValue());
            }
        }
    }

    private void swap(Journal j) throws IOException {
        j.save(state);
        if (j.previous() != null) {
            markers.remove(j.previous());
        }
        commit(j);
    }

    private void commit(Journal j) throws IOException {
        Path link = link(j.bundle());
        if (j.record() != null) {
            Path tmp = layout.prefix().resolve(".extfarm").resolve("link-" + j.bundle() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, layout.prefix().relativize(Path.of(j.record().dir())));
            AtomicFiles.rename(tmp, link);
            AtomicFiles.syncDir(layout.prefix());
            state.put(j.record());
            if (j.record().installed()) {
                markers.write(j.record());
            }
        } else {
            if (j.previous() != null) {
                markers.remove(j.previous());
            }
            Files.deleteIfExists(link);
            state.remove(j.bundle());
        }
        if (j.previous() != null && j.previous().dir() != null
                && (j.record() == null || !j.previous().dir().equals(j.record().dir()))) {
            FileTrees.deleteRecursively(Path.of(j.previous().dir()));
        }
        Journal.delete(state, j.bundle());
    }

    @Override
    public void remove(String bundle) throws FetchException {
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(bundle);
            if (prev.isEmpty()) {
                return;
            }
            try {
                swap(new Journal("remove", bundle, Journal.COMMITTING, List.of(), List.of(), null, prev.get()));
            } catch (IOException io) {
                throw SharedInstaller.ioFailure("removing " + prev.get().label(), io);
            }
        }
    }

    @Override
    public List<String> problems(InstalledRecord r) {
        List<String> out = SharedInstaller.checkFiles(r, markers);
        try {
            if (!Files.isSymbolicLink(link(r.name()))
                    || !layout.prefix().resolve(Files.readSymbolicLink(link(r.name()))).normalize().equals(Path.of(r.dir()))) {
                out.add(link(r.name()) + " does not point at " + r.dir());
            }
        } catch (IOException e) {
            out.add(link(r.name()) + ": " + e.getMessage());
        }
        return out;
    }

    /** {@code <prefix>/extfarm.conf}: one path element per bundle of the spec (a reload picks up new ones). */
    @Override
    public void specChanged(ComputeSpec spec) throws IOException {
        StringBuilder control = new StringBuilder("$system");
        StringBuilder libs = new StringBuilder("$libdir");
        for (ComputeSpec.Entry e : spec.extensions()) {
            control.append(':').append(link(e.name())).append("/share");
            libs.append(':').append(link(e.name())).append("/lib");
        }
        String conf = "# written by the extfarm fetcher; include it from postgresql.conf (include_if_exists)\n"
                + "extension_control_path = '" + control + "'\n"
                + "dynamic_library_path = '" + libs + "'\n";
        Path f = layout.prefix().resolve("extfarm.conf");
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS) || !Files.readString(f).equals(conf)) {
            AtomicFiles.write(f, conf.getBytes(StandardCharsets.UTF_8));
        }
    }
}
