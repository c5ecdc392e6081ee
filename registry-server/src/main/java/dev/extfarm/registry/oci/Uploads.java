package dev.extfarm.registry.oci;

import dev.extfarm.registry.blob.BlobKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Upload sessions. A session is a row (repository, bytes so far, chunk count); each chunk is a
 * blob-store object {@code oci/uploads/<id>/<seq>} written through the store's own temporary and
 * verify step. The final PUT streams the chunks (and its own body) into the blob, verifies the
 * client's digest and only then publishes it; the session and its chunks are then removed. Any
 * replica can continue any session: nothing is kept in memory between requests.
 */
@ApplicationScoped
public class Uploads {

    /** A session as stored; {@code tokenId} started it, and only that token continues it. */
    public record Session(UUID id, String repository, long size, int chunks, Long tokenId) {
        /** The spec's {@code Range} header value: {@code 0-<last byte>} ({@code 0-0} when empty). */
        public String range() {
            return "0-" + Math.max(0, size - 1);
        }
    }

    @Inject
    EntityManager em;
    @Inject
    OciConfig config;

    static BlobKey chunkKey(UUID id, int seq) {
        return BlobKey.of("oci/uploads/" + id + "/" + seq);
    }

    @Transactional
    public Session start(String repository, Long tokenId) {
        Number open = (Number) em.createNativeQuery("SELECT count(*) FROM oci_upload WHERE repository = :r")
                .setParameter("r", repository).getSingleResult();
        if (open.intValue() >= config.maxOpenUploadsPerRepository()) {
            throw new OciException(OciError.TOOMANYREQUESTS, repository + " has " + open + " unfinished uploads, the limit "
                    + "(extfarm.oci.max-open-uploads-per-repository); finish or cancel some, or retry later")
                    .detail("name", repository);
        }
        UUID id = UUID.randomUUID();
        em.createNativeQuery("INSERT INTO oci_upload (id, repository, token_id) VALUES (:id, :r, :t)")
                .setParameter("id", id).setParameter("r", repository).setParameter("t", tokenId).executeUpdate();
        return new Session(id, repository, 0, 0, tokenId);
    }

    /**
     * The session, if it exists, belongs to the repository and was started by the token: for
     * anyone else it does not exist (BLOB_UPLOAD_UNKNOWN).
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public Session get(String repository, String id, Long tokenId) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw OciException.uploadUnknown(repository, id);
        }
        List<Object[]> rows = em.createNativeQuery("SELECT size, chunks, token_id FROM oci_upload WHERE id = :id AND repository = :r")
                .setParameter("id", uuid).setParameter("r", repository).getResultList();
        if (rows.isEmpty() || !Objects.equals(tokenId, rows.get(0)[2] == null ? null : ((Number) rows.get(0)[2]).longValue())) {
            throw OciException.uploadUnknown(repository, id);
        }
        return new Session(uuid, repository, ((Number) rows.get(0)[0]).longValue(), ((Number) rows.get(0)[1]).intValue(), tokenId);
    }

    /**
     * Records a chunk written after {@code before}; false if another request advanced the session
     * first (the caller then drops its chunk: chunks are strictly sequential).
     */
    @Transactional
    public boolean advance(Session before, long bytes) {
        return em.createNativeQuery("UPDATE oci_upload SET size = size + :n, chunks = chunks + 1, updated_at = now() "
                        + "WHERE id = :id AND chunks = :c").setParameter("n", bytes).setParameter("id", before.id())
                .setParameter("c", before.chunks()).executeUpdate() == 1;
    }

    /** Removes the session row; returns it (for its chunks) if it was there. */
    @Transactional
    public Optional<Session> remove(Session session) {
        Session s;
        try {
            s = get(session.repository(), session.id().toString(), session.tokenId());
        } catch (OciException e) {
            return Optional.empty();
        }
        int n = em.createNativeQuery("DELETE FROM oci_upload WHERE id = :id AND chunks = :c")
                .setParameter("id", s.id()).setParameter("c", s.chunks()).executeUpdate();
        return n == 1 ? Optional.of(s) : Optional.empty();
    }

    /** Sessions untouched for {@code olderThan}, removed from the table; their chunks are the caller's to delete. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Session> expire(Duration olderThan) {
        List<Object[]> rows = em.createNativeQuery("DELETE FROM oci_upload WHERE updated_at < now() - make_interval(secs => :s) "
                + "RETURNING id, repository, size, chunks, token_id").setParameter("s", (double) olderThan.toSeconds()).getResultList();
        return rows.stream().map(r -> new Session((UUID) r[0], (String) r[1], ((Number) r[2]).longValue(),
                ((Number) r[3]).intValue(), r[4] == null ? null : ((Number) r[4]).longValue())).toList();
    }
}
