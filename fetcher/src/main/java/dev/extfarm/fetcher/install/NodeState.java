package dev.extfarm.fetcher.install;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.extfarm.fetcher.spec.ComputeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * </pre>
 */
public final class NodeState {

    /** The state files' mapper, created on first use (a holder class: a start with nothing to read needs none). */
    static ObjectMapper json() {
        return Json.MAPPER;
    }

    private static final class Json {
        static final ObjectMapper MAPPER = ComputeSpec.json().copy().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    private final Path root;
    private final Map<String, InstalledRecord> records = new TreeMap<>();
    private final TreeSet<String> created = new TreeSet<>();
    private final Object createdFile = new Object();

    public NodeState(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(installedDir());
        Files.createDirectories(journalDir());
        Files.createDirectories(stagingDir());
        try (Stream<Path> s = Files.list(installedDir())) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                InstalledRecord r = json().readValue(p.toFile(), InstalledRecord.class);
                records.put(r.name(), r);
            }
        }
        Path c = root.resolve("created.json");
        if (Files.exists(c)) {
            created.addAll(json().readValue(c.toFile(), new TypeReference<List<String>>() { }));
        }
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

    public synchronized void put(InstalledRecord r) throws IOException {
        AtomicFiles.write(installedDir().resolve(r.name() + ".json"), json().writeValueAsBytes(r));
        records.put(r.name(), r);
    }

    /** As {@link #put}, with other files written and synced together with the record (an install's markers). */
    public synchronized void put(InstalledRecord r, Map<Path, byte[]> alongside) throws IOException {
        Map<Path, byte[]> files = new java.util.LinkedHashMap<>();
        files.put(installedDir().resolve(r.name() + ".json"), json().writeValueAsBytes(r));
        files.putAll(alongside);
        DurableBatch.writeAll(files);
        records.put(r.name(), r);
    }

    /**
     * As {@link #put} for each, with other files (phase 1's control files), all written and synced
     * together ({@link DurableBatch}: one round of syncs); the records are renamed into place
     * before the other files, so a file on disk is never unaccounted for.
     */
    public synchronized void putAll(List<InstalledRecord> rs, Map<Path, byte[]> alongside) throws IOException {
        Map<Path, byte[]> files = new java.util.LinkedHashMap<>();
        for (InstalledRecord r : rs) {
            files.put(installedDir().resolve(r.name() + ".json"), json().writeValueAsBytes(r));
        }
        files.putAll(alongside);
        DurableBatch.writeAll(files);
        rs.forEach(r -> records.put(r.name(), r));
    }

    public synchronized void remove(String bundle) throws IOException {
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
