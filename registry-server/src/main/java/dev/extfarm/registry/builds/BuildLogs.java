package dev.extfarm.registry.builds;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Build logs. While a build runs its log grows as chunks in {@code build_log_chunk} (readable at
 * once, by byte range); when it has finished the whole log becomes one blob
 * ({@code build-logs/<id>/sha-256+<hex>/log.txt}) and the report keeps its last lines.
 */
@ApplicationScoped
public class BuildLogs {

    /** How far back from the end the tail is looked for. */
    static final int TAIL_WINDOW = 1 << 20;

    @Inject
    EntityManager em;
    @Inject
    BlobStore blobs;
    @Inject
    QueueConfig config;

    /** Appends bytes to the log of a build locked by the caller's transaction. */
    void append(Build b, byte[] data) {
        if (data.length == 0) {
            return;
        }
        if (data.length > config.logs().maxChunkBytes()) {
            throw new ExtfarmException(ExtfarmException.Kind.TOO_LARGE, "log-chunk-too-large", "Log chunk too large",
                    "a log chunk may hold at most " + config.logs().maxChunkBytes() + " bytes (extfarm.queue.logs.max-chunk-bytes); "
                            + "send the log in smaller pieces");
        }
        if (b.logSize + data.length > config.logs().maxBytes()) {
            throw new ExtfarmException(ExtfarmException.Kind.TOO_LARGE, "log-too-large", "Log too large",
                    "the log of build " + b.id + " would exceed " + config.logs().maxBytes()
                            + " bytes (extfarm.queue.logs.max-bytes); the rest is not kept");
        }
        em.createNativeQuery("INSERT INTO build_log_chunk (build_id, \"offset\", data) VALUES (:b, :o, :d)")
                .setParameter("b", b.id).setParameter("o", b.logSize).setParameter("d", data).executeUpdate();
        b.logSize += data.length;
    }

    /** A line written by the farm itself ({@code ##[extfarm] ...}); dropped when the log is full. */
    void note(Build b, String text) {
        byte[] line = ("##[extfarm] " + text + "\n").getBytes(StandardCharsets.UTF_8);
        if (b.logSize + line.length <= config.logs().maxBytes()) {
            append(b, line);
        }
    }

    /** Log bytes in {@code [from, to)} of a build that has not been archived; fewer if the chunks are gone. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    byte[] readChunks(long buildId, long from, long to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT \"offset\", data FROM build_log_chunk WHERE build_id = :b "
                        + "AND \"offset\" + octet_length(data) > :from AND \"offset\" < :to ORDER BY \"offset\"")
                .setParameter("b", buildId).setParameter("from", from).setParameter("to", to).getResultList();
        long expected = from;
        for (Object[] row : rows) {
            long offset = ((Number) row[0]).longValue();
            byte[] data = (byte[]) row[1];
            if (offset > expected) {
                break; // a gap: the chunks are being archived
            }
            int start = (int) (expected - offset);
            int end = (int) Math.min(data.length, to - offset);
            out.write(data, start, end - start);
            expected = offset + end;
        }
        return out.toByteArray();
    }

    /** The last lines of a log that is still in chunks. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    List<String> liveTail(long buildId, long size) {
        long from = Math.max(0, size - TAIL_WINDOW);
        return lastLines(readChunks(buildId, from, size), from > 0, config.logs().tailLines());
    }

    /**
     * Writes log bytes {@code [from, to)} of a build: from its blob once archived, else from the
     * chunks (and from the blob after all if it was archived meanwhile).
     */
    public void copy(long buildId, String blobKey, long from, long to, OutputStream out) throws IOException {
        if (from >= to) {
            return;
        }
        if (blobKey == null) {
            byte[] bytes = readChunks(buildId, from, to);
            out.write(bytes);
            if (bytes.length == to - from) {
                return;
            }
            from += bytes.length;
            blobKey = Build.<Build>findByIdOptional(buildId).map(b -> b.logBlob).orElse(null);
            if (blobKey == null) {
                return;
            }
        }
        try (InputStream in = blobs.open(BlobKey.of(blobKey), from)) {
            long left = to - from;
            byte[] buf = new byte[64 * 1024];
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    /**
     * Moves the log of a finished build from chunks to one blob and keeps its tail in the report.
     * Idempotent; a failure leaves the chunks (readable) and the sweeper tries again.
     */
    public void archive(long buildId) throws IOException {
        Object[] row = state(buildId);
        if (row == null || row[1] != null) {
            return;
        }
        long size = ((Number) row[0]).longValue();
        Path temp = Files.createTempFile("extfarm-log-" + buildId + "-", ".txt");
        try {
            MessageDigest sha = Digests.newSha256();
            long written = 0;
            try (OutputStream out = Files.newOutputStream(temp)) {
                final int page = 8 << 20;
                while (written < size) {
                    byte[] part = readChunks(buildId, written, Math.min(size, written + page));
                    if (part.length == 0) {
                        break;
                    }
                    out.write(part);
                    sha.update(part);
                    written += part.length;
                }
            }
            if (written < size && state(buildId) != null && state(buildId)[1] != null) {
                return; // archived meanwhile by another replica
            }
            String hex = Digests.hex(sha.digest());
            String key = "build-logs/" + buildId + "/sha-256+" + hex + "/log.txt";
            try (InputStream in = Files.newInputStream(temp)) {
                blobs.put(BlobKey.of(key), in, hex);
            } catch (BlobDigestMismatchException e) {
                throw new IOException("the log of build " + buildId + " changed while it was archived", e);
            }
            String tail = String.join("\n", tailOf(temp, written));
            finishArchive(buildId, key, tail);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    Object[] state(long buildId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT log_size, log_blob FROM build WHERE id = :b "
                + "AND status NOT IN ('queued', 'running')").setParameter("b", buildId).getResultList();
        return rows.isEmpty() ? null : rows.get(0);
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    void finishArchive(long buildId, String key, String tail) {
        int n = em.createNativeQuery("UPDATE build SET log_blob = :k, log_tail = :t WHERE id = :b AND log_blob IS NULL")
                .setParameter("k", key).setParameter("t", tail).setParameter("b", buildId).executeUpdate();
        if (n == 1) {
            em.createNativeQuery("DELETE FROM build_log_chunk WHERE build_id = :b").setParameter("b", buildId).executeUpdate();
        }
    }

    /** Finished builds whose log is still in chunks (an archive that failed or was cut short). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    List<Long> unarchived(int limit) {
        @SuppressWarnings("unchecked")
        List<Number> ids = em.createNativeQuery("SELECT id FROM build WHERE log_blob IS NULL AND finished_at IS NOT NULL "
                + "AND log_size > 0 AND status NOT IN ('queued', 'running') ORDER BY id LIMIT :n").setParameter("n", limit).getResultList();
        List<Long> out = new ArrayList<>();
        ids.forEach(i -> out.add(i.longValue()));
        return out;
    }

    private List<String> tailOf(Path file, long size) throws IOException {
        long from = Math.max(0, size - TAIL_WINDOW);
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(from);
            return lastLines(in.readAllBytes(), from > 0, config.logs().tailLines());
        }
    }

    /**
     * The last {@code n} lines of {@code bytes}; the first line is dropped when it may be cut. A log
     * holds whatever the build printed: bytes that are not UTF-8 become U+FFFD (the decoder), and so
     * does NUL, which PostgreSQL cannot store in the report's text (it failed every archive run).
     */
    static List<String> lastLines(byte[] bytes, boolean firstLineCut, int n) {
        String text = new String(bytes, StandardCharsets.UTF_8).replace('\0', '\uFFFD');
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (firstLineCut && !lines.isEmpty()) {
            lines.remove(0);
        }
        return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
