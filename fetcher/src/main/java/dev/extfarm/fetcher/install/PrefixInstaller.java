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
import java.util.HashSet;
import java.util.LinkedHashMap;
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
    private final JournaledChanges changes;
    private final Object lock;

    PrefixInstaller(PgLayout layout, NodeState state) throws IOException {
        this.layout = layout;
        this.state = state;
        this.markers = new Markers(layout.markerDir());
        this.store = layout.prefix().resolve(".extfarm").resolve("store");
        Files.createDirectories(store);
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
            Map<String, String> files = new TreeMap<>();
            try {
                FileTrees.deleteRecursively(dir);
                for (var c : controls.entrySet()) {
                    Path f = dir.resolve("share/extension/" + c.getKey() + ".control");
                    AtomicFiles.write(f, c.getValue());
                    files.put(f.toString(), Digests.sha256(c.getValue()));
                }
            } catch (IOException io) {
                throw JournaledChanges.failure("writing the control files of " + e.label(), io);
            }
            InstalledRecord rec = new InstalledRecord(e.name(), e.version(), e.sha256(), InstalledRecord.AVAILABLE, files,
                    List.of(), List.copyOf(controls.keySet()), List.of(), e.sharedPreload(), dir.toString(), Instant.now().toString());
            changes.apply(new Journal("link", e.name(), Journal.COMMITTING, List.of(), List.of(), rec, prev.orElse(null)),
                    "linking the control files of " + e.label() + " into " + layout.prefix());
        }
    }

    @Override
    public InstalledRecord install(ComputeSpec.Entry e, VerifiedBundle vb, Path tree) throws FetchException {
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(e.name());
            Map<String, String> files = new TreeMap<>();
            vb.manifest().files().forEach(f -> files.put(tree.resolve(f.path()).toString(), f.isSymlink() ? "link:" + f.link() : f.sha256()));
            Map<Path, Path> kept = keptScripts(prev.orElse(null), tree, files);
            InstalledRecord rec = new InstalledRecord(e.name(), vb.manifest().version(), vb.sha256(), InstalledRecord.INSTALLED, files,
                    List.of(), vb.manifest().extensions(), vb.manifest().libraries(), vb.manifest().sharedPreload(), tree.toString(),
                    Instant.now().toString());
            changes.install(new Journal("link", e.name(), Journal.PREPARED, List.of(), List.of(), rec, prev.orElse(null)), e.label(),
                    () -> copy(kept));
            return rec;
        }
    }

    /**
     * The previous version's SQL scripts (and secondary control files) the new one does not carry
     * itself (see {@link InstalledFiles#isScriptOf}), to be copied into its store directory before
     * the link swaps: target → the previous version's file. Each is added to {@code files}.
     */
    private static Map<Path, Path> keptScripts(InstalledRecord prev, Path tree, Map<String, String> files) {
        Map<Path, Path> kept = new LinkedHashMap<>();
        if (prev == null || !prev.installed() || prev.dir() == null || tree.toString().equals(prev.dir())) {
            return kept;
        }
        Path oldDir = Path.of(prev.dir()).resolve("share/extension");
        for (var f : prev.files().entrySet()) {
            Path p = Path.of(f.getKey());
            Path target = tree.resolve("share/extension").resolve(p.getFileName().toString());
            if (InstalledFiles.isScriptOf(prev, p, oldDir) && !files.containsKey(target.toString())
                    && InstalledFiles.sameFile(p, f.getValue(), null)) {
                kept.put(target, p);
                files.put(target.toString(), f.getValue());
            }
        }
        return kept;
    }

    private static void copy(Map<Path, Path> kept) throws IOException {
        for (var k : kept.entrySet()) {
            Files.createDirectories(k.getKey().getParent());
            Files.copy(k.getValue(), k.getKey());
            AtomicFiles.fsync(k.getKey());
        }
    }

    @Override
    public void remove(String bundle) throws FetchException {
        synchronized (lock) {
            Optional<InstalledRecord> prev = state.get(bundle);
            if (prev.isPresent()) {
                changes.apply(new Journal("remove", bundle, Journal.COMMITTING, List.of(), List.of(), null, prev.get()),
                        "removing " + prev.get().label());
            }
        }
    }

    /** One link per bundle, swapped by rename, pointing into the store: what a journal of this layout does ({@link JournaledChanges}). */
    private final class Steps implements JournaledChanges.Steps {

        @Override
        public void place(Journal j) throws IOException {
            Path link = link(j.bundle());
            if (j.record() == null) {
                Files.deleteIfExists(link);
                return;
            }
            Path tmp = layout.prefix().resolve(".extfarm").resolve("link-" + j.bundle() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, layout.prefix().relativize(Path.of(j.record().dir())));
            AtomicFiles.rename(tmp, link);
            AtomicFiles.syncDir(layout.prefix());
        }

        /** The unpacked directory is the install job's to delete; one a crash left is swept. */
        @Override
        public void discard(Journal j) {
        }

        @Override
        public void cleanUp(Journal j) throws IOException {
            if (j.previous() != null && j.previous().dir() != null
                    && (j.record() == null || !j.previous().dir().equals(j.record().dir()))) {
                FileTrees.deleteRecursively(Path.of(j.previous().dir()));
            }
        }

        /** Store directories no record refers to: unpacked or half-unpacked, never linked. */
        @Override
        public void sweep() throws IOException {
            Set<String> referenced = new HashSet<>();
            for (InstalledRecord r : state.all()) {
                if (r.dir() != null) {
                    referenced.add(Path.of(r.dir()).getFileName().toString());
                }
            }
            try (Stream<Path> s = Files.list(store)) {
                for (Path d : s.toList()) {
                    if (!referenced.contains(d.getFileName().toString())) {
                        FileTrees.deleteRecursively(d);
                    }
                }
            }
        }
    }

    @Override
    public List<String> problems(InstalledRecord r) {
        List<String> out = InstalledFiles.problems(r, markers);
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
