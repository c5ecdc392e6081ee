package dev.extfarm.fetcher.download;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node-local, content-addressed cache of verified bundles, shared by every fetcher on the
 * node (one per PostgreSQL) and kept across restarts:
 * <pre>
 * &lt;cache&gt;/
 *   bundles/&lt;sha256&gt;.tar    verified bytes (published by rename after the reader accepted them)
 *   partial/&lt;sha256&gt;.part   a download in progress or interrupted: resumed from its length
 *   locks/&lt;sha256&gt;.lock     one writer per bundle across processes (flock)
 * </pre>
 * A cached file is read through the verifying reader again on every use: the cache is trusted no
 * more than the network.
 */
public final class BundleCache {

    private final Path root;
    private final ConcurrentHashMap<String, ReentrantLock> local = new ConcurrentHashMap<>();

    public BundleCache(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("bundles"));
        Files.createDirectories(root.resolve("partial"));
        Files.createDirectories(root.resolve("locks"));
    }

    public Path root() {
        return root;
    }

    public Path partialDir() {
        return root.resolve("partial");
    }

    public Optional<Path> verified(String sha256) {
        Path p = root.resolve("bundles").resolve(sha256 + ".tar");
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
        Files.move(partial, root.resolve("bundles").resolve(sha256 + ".tar"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    public void evict(String sha256) throws IOException {
        Files.deleteIfExists(root.resolve("bundles").resolve(sha256 + ".tar"));
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

    public interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }
}
