package dev.extfarm.fetcher.install;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.extfarm.fetcher.spec.SpecReader;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The fetcher's node-local state for one PostgreSQL installation:
 * <pre>
 * &lt;state&gt;/
 *   installed/&lt;bundle&gt;.json   {@link InstalledRecord}: what is on disk, file by file
 *   journal/&lt;bundle&gt;.json     an install or removal in progress (see {@link Journal})
 *   staging/                   unpacked bundles before they are installed (emptied at start)
 *   created.json               extensions created in some database (never removed while listed)
 *   plugin-libraries.json      libraries pg_extfarm asked for as local_preload_libraries (installed into $libdir/plugins/ too)
 *   listing.json               phase 1's last listings, until they are synced (see {@link PendingListings})
 * </pre>
 */
public final class NodeState {

    /** The state files' mapper, created on first use (a holder class: a start with nothing to read needs none). */
    static ObjectMapper json() {
        return Json.MAPPER;
    }

    /**
     * Builds the state mapper's writers for records on a spare core, now. Jackson introspects a
     * record class on its first use, about 60 ms in a fresh JVM's interpreter; phase 1 would pay
     * that on the way to "ready to start PostgreSQL" while phase 2's downloads want the CPU too.
     */
    public static void warmUpInBackground() {
        Thread t = new Thread(() -> {
            try {
                InstalledRecord r = new InstalledRecord("warm-up", "0", "0", InstalledRecord.AVAILABLE, Map.of("/x", "0"), List.of(),
                        List.of("warm-up"), List.of(), false, null, "");
                json().writeValueAsBytes(new PendingListings.Batch(List.of(r), List.of()));
            } catch (IOException | RuntimeException ignored) {
                // only a head start: the real write reports its own errors
            }
        }, "fetch-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private static final class Json {
        static final ObjectMapper MAPPER = SpecReader.json().copy().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    private final Path root;
    private final Map<String, InstalledRecord> records = new TreeMap<>();
    private final TreeSet<String> created = new TreeSet<>();
    private final TreeSet<String> pluginLibraries = new TreeSet<>();
    private final Object createdFile = new Object();
    private final PendingListings listings;
    private final List<String> recovered = new ArrayList<>();

    public NodeState(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(installedDir());
        Files.createDirectories(journalDir());
        Files.createDirectories(stagingDir());
        listings = new PendingListings(this.root);
        Optional<PendingListings.Batch> left = listings.leftOver();
        Set<String> unsynced = left.map(PendingListings.Batch::names).orElse(Set.of());
        try (Stream<Path> s = Files.list(installedDir())) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                InstalledRecord r;
                try {
                    r = json().readValue(p.toFile(), InstalledRecord.class);
                } catch (IOException torn) {
                    String name = p.getFileName().toString().replaceFirst("\\.json$", "");
                    if (!unsynced.contains(name)) {
                        throw new IOException("cannot read the fetcher's record " + p + " (" + torn.getMessage()
                                + "): the fetcher writes records atomically, so the disk or someone else changed it; move it away"
                                + " (the next start lists the bundle again) and check the node with `extfarm fetch recover`", torn);
                    }
                    // an unsynced listing that a power loss tore: recovery below rolls it back
                    Files.delete(p);
                    continue;
                }
                records.put(r.name(), r);
            }
        }
        if (left.isPresent()) {
            recovered.addAll(listings.recover(left.get(), records, installedDir()));
        }
        Path c = root.resolve("created.json");
        if (Files.exists(c)) {
            created.addAll(json().readValue(c.toFile(), new TypeReference<List<String>>() { }));
        }
        Path pl = root.resolve("plugin-libraries.json");
        if (Files.exists(pl)) {
            pluginLibraries.addAll(json().readValue(pl.toFile(), new TypeReference<List<String>>() { }));
        }
    }

    /** Libraries some connection named in local_preload_libraries (per role, database or connection: pg_extfarm said so). */
    public synchronized TreeSet<String> pluginLibraries() {
        return new TreeSet<>(pluginLibraries);
    }

    /** Records a local_preload_libraries library (durably: later versions of its bundle go into plugins/ too); true if new. */
    public synchronized boolean addPluginLibrary(String library) throws IOException {
        if (!pluginLibraries.add(library)) {
            return false;
        }
        AtomicFiles.write(root.resolve("plugin-libraries.json"),
                (json().writeValueAsString(List.copyOf(pluginLibraries)) + "\n").getBytes(StandardCharsets.UTF_8));
        return true;
    }

    public Path root() {
        return root;
    }

    public Path installedDir() {
        return root.resolve("installed");
    }

    public Path journalDir() {
        return root.resolve("journal");
    }

    public Path stagingDir() {
        return root.resolve("staging");
    }

    public synchronized Optional<InstalledRecord> get(String bundle) {
        return Optional.ofNullable(records.get(bundle));
    }

    public synchronized List<InstalledRecord> all() {
        return List.copyOf(records.values());
    }

    /** What opening the state rolled back or completed of phase 1's unsynced listings (for the log). */
    public synchronized List<String> recoveredListings() {
        List<String> out = List.copyOf(recovered);
        recovered.clear();
        return out;
    }

    public synchronized void put(InstalledRecord r) throws IOException {
        settleListingsTouching(r.name(), r.files().keySet());
        AtomicFiles.write(installedDir().resolve(r.name() + ".json"), json().writeValueAsBytes(r));
        records.put(r.name(), r);
    }

    /** As {@link #put}, with other files written and synced together with the record (an install's markers). */
    public synchronized void put(InstalledRecord r, Map<Path, byte[]> alongside) throws IOException {
        settleListingsTouching(r.name(), r.files().keySet());
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(installedDir().resolve(r.name() + ".json"), json().writeValueAsBytes(r));
        files.putAll(alongside);
        DurableBatch.writeAll(files);
        records.put(r.name(), r);
    }

    /**
     * Phase 1's records with their control files, written without waiting for the disk (see
     * {@link PendingListings}: a journal makes them recoverable; {@link #settleListings} makes
     * them durable); {@code removals} (control files an older listing had) are deleted.
     */
    public synchronized void putListings(List<InstalledRecord> rs, Map<Path, byte[]> controls, List<Path> removals) throws IOException {
        settle(listings.snapshot()); // one batch pending at a time
        if (rs.isEmpty() && removals.isEmpty()) {
            return;
        }
        listings.write(rs, installedDir(), controls, removals);
        rs.forEach(r -> records.put(r.name(), r));
    }

    /**
     * Syncs phase 1's pending listings and drops their journal; the syncs run outside this
     * object's lock (readers of the state do not wait for the disk). Returns how many files were pending.
     */
    public int settleListings() throws IOException {
        PendingListings.Snapshot s;
        synchronized (this) {
            s = listings.snapshot();
        }
        if (s == null) {
            return 0;
        }
        s.sync();
        synchronized (this) {
            listings.finish(s);
        }
        return s.files().size();
    }

    /**
     * Before a durable change to this bundle or to these paths (an install, a removal): settles a
     * pending listing they belong to, so that recovery never rolls back a listing under it.
     */
    public synchronized void settleListingsTouching(String bundle, Collection<String> paths) throws IOException {
        if (listings.touches(bundle, paths)) {
            settle(listings.snapshot());
        }
    }

    private void settle(PendingListings.Snapshot s) throws IOException {
        if (s != null) {
            s.sync();
            listings.finish(s);
        }
    }

    public synchronized void remove(String bundle) throws IOException {
        settleListingsTouching(bundle, List.of());
        Files.deleteIfExists(installedDir().resolve(bundle + ".json"));
        AtomicFiles.syncDir(installedDir());
        records.remove(bundle);
    }

    /** The other bundle whose record lists this path, if any. */
    public synchronized Optional<InstalledRecord> ownerOf(String path, String except) {
        return records.values().stream().filter(r -> !r.name().equals(except) && r.files().containsKey(path)).findFirst();
    }

    /** The bundle that carries this control name (installed or available). */
    public synchronized Optional<InstalledRecord> carrierOf(String control) {
        return records.values().stream().filter(r -> r.controls().contains(control)).findFirst();
    }

    public synchronized TreeSet<String> created() {
        return new TreeSet<>(created);
    }

    /**
     * Records that an extension was (or is being) created in some database; kept until {@link #forgetCreated}.
     * The file is written under a lock of its own, not this object's: an install reading the state
     * meanwhile (the urgent one this request started) does not wait for the sync.
     */
    public boolean markCreated(String extension) throws IOException {
        synchronized (createdFile) {
            List<String> now;
            synchronized (this) {
                if (!created.add(extension)) {
                    return false;
                }
                now = List.copyOf(created);
            }
            writeCreated(now);
            return true;
        }
    }

    public void forgetCreated(String extension) throws IOException {
        synchronized (createdFile) {
            List<String> now;
            synchronized (this) {
                if (!created.remove(extension)) {
                    return;
                }
                now = List.copyOf(created);
            }
            writeCreated(now);
        }
    }

    private void writeCreated(List<String> now) throws IOException {
        AtomicFiles.write(root.resolve("created.json"), (json().writeValueAsString(now) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
