package dev.extfarm.fetcher.download;

import dev.extfarm.bundle.FileTrees;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.Digests;
import dev.extfarm.fetcher.install.AtomicFiles;
import dev.extfarm.fetcher.spec.SpecReader;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node-local, content-addressed cache of verified bundles, shared by every fetcher on the
 * node (one per PostgreSQL) and kept across restarts, bounded by a size limit:
 * <pre>
 * &lt;cache&gt;/
 *   bundles/&lt;sha256&gt;.tar    verified bytes (published by rename after the reader accepted them);
 *                           the file's modification time is its last use (least recently used go first)
 *   partial/&lt;sha256&gt;.part   a download in progress or interrupted: resumed from its length
 *   locks/&lt;sha256&gt;.lock     one writer per bundle across processes (flock)
 *   evicting/               an entry being evicted: renamed here first, then deleted (emptied at start)
 *   users/&lt;key&gt;.json        per fetcher (state directory) sharing the cache: the bundles it uses, never evicted
 * </pre>
 * A cached file is read through the verifying reader again on every use: the cache is trusted no
 * more than the network. Eviction ({@link #trim}) is one rename out of {@code bundles/}: an entry
 * is either whole in the cache or not in it, whatever moment a crash picks.
 */
public final class BundleCache {

    /**
     * 1 GiB: a tenant's whole catalog for one PostgreSQL major is typically 100-300 MB (most
     * bundles are 0.1-5 MB, PostGIS with its libraries about 50 MB), so the default keeps every
     * bundle and a previous version of each, and is small beside a compute node's disk.
     */
    public static final long DEFAULT_LIMIT = 1L << 30;

    private final Path root;
    private final long limit;
    private final ConcurrentHashMap<String, ReentrantLock> local = new ConcurrentHashMap<>();
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong evictedBytes = new AtomicLong();

    /** @param limit bytes the verified bundles may take; 0 = no limit */
    public BundleCache(Path root, long limit) throws IOException {
        this.root = root;
        this.limit = limit;
        Files.createDirectories(root.resolve("bundles"));
        Files.createDirectories(root.resolve("partial"));
        Files.createDirectories(root.resolve("locks"));
        Files.createDirectories(root.resolve("users"));
        Path evicting = root.resolve("evicting");
        Files.createDirectories(evicting);
        FileTrees.deleteRecursively(evicting); // what a crash left mid-eviction: already out of the cache
        Files.createDirectories(evicting);
    }

    public BundleCache(Path root) throws IOException {
        this(root, 0);
    }

    public Path root() {
        return root;
    }

    public long limit() {
        return limit;
    }

    public Path partialDir() {
        return root.resolve("partial");
    }

    private Path entry(String sha256) {
        return root.resolve("bundles").resolve(sha256 + ".tar");
    }

    public Optional<Path> verified(String sha256) {
        Path p = entry(sha256);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    public Path partial(String sha256) {
        return partialDir().resolve(sha256 + ".part");
    }

    /**
     * Moves a fully verified partial file into the cache. Not synced: every use re-verifies the
     * bytes, so a cache entry torn by a power loss is only a cache miss.
     */
    public void publish(String sha256, Path partial) throws IOException {
        Files.move(partial, entry(sha256), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        used(sha256);
    }

    /** Marks an entry as just used (its modification time: eviction takes the least recently used first). */
    public void used(String sha256) {
        try {
            Files.setLastModifiedTime(entry(sha256), FileTime.from(Instant.now()));
        } catch (IOException ignored) {
            // evicted meanwhile, or a read-only cache: only the eviction order is affected
        }
    }

    public void evict(String sha256) throws IOException {
        Files.deleteIfExists(entry(sha256));
    }

    /** What the cache holds now (verified bundles only: partial downloads count against --staging-quota). */
    public record Usage(long bytes, int bundles, long limit, long evictions, long evictedBytes) {
    }

    public Usage usage() {
        long bytes = 0;
        int n = 0;
        for (Cached c : entries()) {
            bytes += c.size();
            n++;
        }
        return new Usage(bytes, n, limit, evictions.get(), evictedBytes.get());
    }

    private record Cached(String sha256, long size, FileTime lastUse) {
    }

    private List<Cached> entries() {
        List<Cached> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root.resolve("bundles"), "*.tar")) {
            for (Path p : s) {
                String sha = p.getFileName().toString().replaceFirst("\\.tar$", "");
                if (!BundleAddress.isValidSha256(sha)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    out.add(new Cached(sha, a.size(), a.lastModifiedTime()));
                } catch (NoSuchFileException gone) {
                    // evicted by another fetcher meanwhile
                }
            }
        } catch (IOException ignored) {
            // an unreadable cache directory holds nothing usable
        }
        return out;
    }

    /**
     * Evicts least recently used entries until the cache is within its limit. Never evicted: the
     * bundles in {@code inUse}, those another fetcher sharing this cache declared in use
     * ({@link #declareInUse}), and those being read or written right now (their lock is held).
     * Returns the evicted sha-256s, oldest first.
     */
    public synchronized List<String> trim(Set<String> inUse) {
        if (limit <= 0) {
            return List.of();
        }
        List<Cached> all = entries();
        long total = all.stream().mapToLong(Cached::size).sum();
        if (total <= limit) {
            return List.of();
        }
        Set<String> keep = new HashSet<>(inUse);
        keep.addAll(othersInUse());
        all.sort(Comparator.comparing(Cached::lastUse).thenComparing(Cached::sha256));
        List<String> evicted = new ArrayList<>();
        for (Cached c : all) {
            if (total <= limit) {
                break;
            }
            if (keep.contains(c.sha256())) {
                continue;
            }
            Optional<Lock> lock = tryLock(c.sha256());
            if (lock.isEmpty()) {
                continue; // being downloaded or unpacked
            }
            try (Lock ignored = lock.get()) {
                Path doomed = root.resolve("evicting").resolve(c.sha256() + ".tar");
                // one rename takes it out of the cache; the delete after it may be cut short by a crash
                Files.move(entry(c.sha256()), doomed, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(doomed);
                total -= c.size();
                evictions.incrementAndGet();
                evictedBytes.addAndGet(c.size());
                evicted.add(c.sha256());
            } catch (NoSuchFileException gone) {
                total -= c.size(); // another fetcher evicted it
            } catch (IOException e) {
                // left in place: the next trim tries again
            }
        }
        return evicted;
    }

    /**
     * Declares the bundles the fetcher of {@code stateDir} uses ({@code users/<key>.json}), so that
     * other fetchers sharing this cache do not evict them. A declaration whose state directory is
     * gone (a node removed) is ignored and deleted. An empty set removes the declaration.
     */
    public void declareInUse(Path stateDir, Set<String> sha256s) throws IOException {
        Path dir = stateDir.toAbsolutePath().normalize();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state_dir", dir.toString());
        body.put("in_use", new TreeSet<>(sha256s));
        byte[] bytes = (SpecReader.json().writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
        Path file = root.resolve("users").resolve(Digests.sha256(dir.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16) + ".json");
        if (sha256s.isEmpty()) {
            // nothing to protect: no declaration, so that a fetcher that installed nothing leaves nothing in the cache
            Files.deleteIfExists(file);
            return;
        }
        if (!Files.exists(file) || !Arrays.equals(Files.readAllBytes(file), bytes)) {
            AtomicFiles.write(file, bytes);
        }
    }

    private Set<String> othersInUse() {
        Set<String> out = new HashSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root.resolve("users"), "*.json")) {
            for (Path p : s) {
                try {
                    Map<String, Object> m = SpecReader.json().readValue(p.toFile(), new TypeReference<Map<String, Object>>() { });
                    if (!(m.get("state_dir") instanceof String d) || !Files.isDirectory(Path.of(d))) {
                        Files.deleteIfExists(p);
                        continue;
                    }
                    if (m.get("in_use") instanceof List<?> l) {
                        l.stream().filter(String.class::isInstance).map(String.class::cast).forEach(out::add);
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // a declaration being replaced (written by rename, so only a race): read it next time
                }
            }
        } catch (IOException ignored) {
            // no declarations
        }
        return out;
    }

    /** Exclusive use of one bundle's cache entries, within this JVM and across processes. */
    public Lock lock(String sha256) throws IOException {
        ReentrantLock l = local.computeIfAbsent(sha256, k -> new ReentrantLock());
        l.lock();
        try {
            FileChannel ch = FileChannel.open(root.resolve("locks").resolve(sha256 + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl = ch.lock();
            return () -> {
                try (ch) {
                    fl.release();
                } finally {
                    l.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            l.unlock();
            throw e;
        }
    }

    /** {@link #lock}, unless someone holds it now. */
    private Optional<Lock> tryLock(String sha256) {
        ReentrantLock l = local.computeIfAbsent(sha256, k -> new ReentrantLock());
        if (!l.tryLock()) {
            return Optional.empty();
        }
        FileChannel ch = null;
        FileLock fl = null;
        try {
            ch = FileChannel.open(root.resolve("locks").resolve(sha256 + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            fl = ch.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            fl = null;
        }
        if (fl == null) {
            closeQuietly(ch);
            l.unlock();
            return Optional.empty();
        }
        FileChannel open = ch;
        FileLock held = fl;
        return Optional.of(() -> {
            try (open) {
                held.release();
            } finally {
                l.unlock();
            }
        });
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing was locked
            }
        }
    }

    public interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }
}
