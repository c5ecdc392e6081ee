package dev.extfarm.registry.gc;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Which blob-store keys the database refers to (the layouts are in {@link KeyLayout}). */
@ApplicationScoped
public class BlobReferences {

    @Inject
    EntityManager em;

    /** Every key some row needs, in one snapshot. */
    @Transactional
    @SuppressWarnings("unchecked")
    public Set<String> referencedKeys() {
        List<String> keys = em.createNativeQuery(
                "SELECT 'extensions/' || extension_name || '/sha-256+' || sha256 || '/bundle.tar' FROM bundle "
                        + "UNION ALL SELECT 'extensions/' || b.extension_name || '/sha-256+' || b.sha256 || '/' || e || '.control' "
                        + "FROM bundle b, unnest(b.extensions) e "
                        + "UNION ALL SELECT blob_key FROM oci_blob "
                        + "UNION ALL SELECT log_blob FROM build WHERE log_blob IS NOT NULL")
                .getResultList();
        return new HashSet<>(keys);
    }

    /** What the database says about one key now (one or two indexed look-ups). */
    @Transactional
    public BlobUse use(String key) {
        Optional<KeyLayout> layout = KeyLayout.of(key);
        if (layout.isEmpty()) {
            return BlobUse.UNKNOWN;
        }
        KeyLayout l = layout.get();
        return switch (l.kind()) {
            case BUNDLE -> exists("SELECT 1 FROM bundle WHERE sha256 = ?1 AND extension_name = ?2", l.group(2), l.group(1))
                    ? BlobUse.REFERENCED : BlobUse.ORPHAN;
            case CONTROL -> exists("SELECT 1 FROM bundle WHERE sha256 = ?1 AND extension_name = ?2 AND ?3 = ANY (extensions)",
                    l.group(2), l.group(1), l.group(3)) ? BlobUse.REFERENCED : BlobUse.ORPHAN;
            case OCI_BLOB -> exists("SELECT 1 FROM oci_blob WHERE blob_key = ?1", key) ? BlobUse.REFERENCED
                    : exists("SELECT 1 FROM oci_blob_garbage WHERE blob_key = ?1", key) ? BlobUse.OCI_GARBAGE : BlobUse.ORPHAN;
            case OCI_CHUNK -> exists("SELECT 1 FROM oci_upload WHERE id = ?1", UUID.fromString(l.group(1)))
                    ? BlobUse.IN_FLIGHT : BlobUse.ORPHAN;
            case BUILD_LOG -> buildLog(key, Long.parseLong(l.group(1)));
        };
    }

    private BlobUse buildLog(String key, long buildId) {
        @SuppressWarnings("unchecked")
        List<String> logBlob = em.createNativeQuery("SELECT coalesce(log_blob, '') FROM build WHERE id = ?1")
                .setParameter(1, buildId).getResultList();
        if (logBlob.isEmpty()) {
            return BlobUse.ORPHAN;
        }
        // not archived yet: an archive may be writing exactly this key right now
        return logBlob.get(0).equals(key) ? BlobUse.REFERENCED : logBlob.get(0).isEmpty() ? BlobUse.IN_FLIGHT : BlobUse.ORPHAN;
    }

    /**
     * Takes the advisory lock that writers of this key hold while they record it (the bundle
     * recorder's per-sha-256 lock, the OCI index's per-digest lock), until the transaction ends.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void lockWriters(String key) {
        KeyLayout.of(key).ifPresent(l -> {
            switch (l.kind()) {
                case BUNDLE, CONTROL -> em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))")
                        .setParameter(1, l.group(2)).getSingleResult();
                case OCI_BLOB -> em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtextextended(?1, 7))")
                        .setParameter(1, l.group(1) + ":" + l.group(2)).getSingleResult();
                default -> { }
            }
        });
    }

    private boolean exists(String sql, Object... params) {
        var q = em.createNativeQuery(sql);
        for (int i = 0; i < params.length; i++) {
            q.setParameter(i + 1, params[i]);
        }
        return !q.setMaxResults(1).getResultList().isEmpty();
    }
}
