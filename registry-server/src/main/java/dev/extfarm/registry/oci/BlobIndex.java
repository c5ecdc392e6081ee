package dev.extfarm.registry.oci;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which repository may serve which blob, and where its bytes are. A bundle is also the layer of its
 * image: {@code sha256:<bundle hex>} in {@code extensions/<name>} resolves to the bundle's own key
 * the first time it is asked for, so the bytes are stored once. Who may read a blob there is its
 * owner's rule ({@link Held}), not only the repository's. Lookups for serving are cached per
 * replica for {@code extfarm.oci.blob-cache-ttl}; a delete here drops the entry at once.
 */
@ApplicationScoped
public class BlobIndex {

    /** A blob's bytes: its digest, size and key in the blob store. */
    public record BlobRef(Digest digest, long size, BlobKey key) {
    }

    /**
     * A blob as one repository holds it, and whose readers may read it there: {@code owner} is the
     * extension of the bundle it is (a layer), else the repository's own extension when one of its
     * manifests references it, else null: bytes a pusher uploaded that no manifest uses, which only
     * pushers read.
     */
    public record Held(BlobRef ref, String owner) {
    }

    private record Cached(Held held, long until) {
    }

    private static final int CACHE_LIMIT = 20_000;

    @Inject
    EntityManager em;
    @Inject
    OciConfig config;
    @Inject
    BlobStore store;

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    static BlobKey keyFor(Digest d) {
        return BlobKey.of("oci/blobs/" + d.algorithm() + "/" + d.hex());
    }

    /** A cached lookup (no database); empty on a miss. */
    Optional<Held> cached(String repository, Digest digest) {
        Cached c = cache.get(repository + "@" + digest);
        return c != null && c.until > System.currentTimeMillis() ? Optional.of(c.held) : Optional.empty();
    }

    /** The blob as {@code repository} may serve it, linking a bundle layer on first use. */
    @Transactional
    public Optional<BlobRef> find(String repository, Digest digest) {
        Optional<BlobRef> ref = linked(repository, digest);
        if (ref.isEmpty()) {
            ref = bundleLayer(repository, digest);
            ref.ifPresent(r -> link(repository, r));
        }
        return ref;
    }

    /** The blob with its owner ({@link Held}), as reads and mounts need it; remembered for serving when it has an owner. */
    @Transactional
    public Optional<Held> held(String repository, Digest digest) {
        Optional<Held> held = find(repository, digest).map(ref -> new Held(ref, owner(repository, digest)));
        held.filter(h -> h.owner() != null).ifPresent(h -> remember(repository, h));
        return held;
    }

    @SuppressWarnings("unchecked")
    private String owner(String repository, Digest digest) {
        if (digest.isSha256()) {
            List<String> bundle = em.createNativeQuery("SELECT extension_name FROM bundle WHERE sha256 = :h")
                    .setParameter("h", digest.hex()).getResultList();
            if (!bundle.isEmpty()) {
                return bundle.get(0);
            }
        }
        boolean referenced = !em.createNativeQuery("SELECT 1 FROM oci_manifest_blob WHERE repository = :r AND blob_digest = :d "
                + "LIMIT 1").setParameter("r", repository).setParameter("d", digest.toString()).getResultList().isEmpty();
        return referenced ? OciPath.extension(repository) : null;
    }

    /** Forgets what is remembered about the repository's blobs (a manifest was deleted: a blob may have lost its owner). */
    void forget(String repository) {
        cache.keySet().removeIf(k -> k.startsWith(repository + "@"));
    }

    @SuppressWarnings("unchecked")
    private Optional<BlobRef> linked(String repository, Digest digest) {
        List<Object[]> rows = em.createNativeQuery("SELECT b.size, b.blob_key FROM oci_repository_blob rb "
                        + "JOIN oci_blob b ON b.digest = rb.digest WHERE rb.repository = :r AND rb.digest = :d")
                .setParameter("r", repository).setParameter("d", digest.toString()).getResultList();
        return rows.stream().findFirst().map(row -> new BlobRef(digest, ((Number) row[0]).longValue(), BlobKey.of((String) row[1])));
    }

    /** A bundle of the repository's extension whose sha-256 is the digest: the layer of its image. */
    @SuppressWarnings("unchecked")
    private Optional<BlobRef> bundleLayer(String repository, Digest digest) {
        if (!digest.isSha256()) {
            return Optional.empty();
        }
        String name = OciPath.extension(repository);
        List<Number> sizes = em.createNativeQuery("SELECT size FROM bundle WHERE sha256 = :h AND extension_name = :n")
                .setParameter("h", digest.hex()).setParameter("n", name).getResultList();
        return sizes.stream().findFirst().map(size -> new BlobRef(digest, size.longValue(),
                BlobKey.bundle(new BundleAddress(name, digest.hex()))));
    }

    /** The blob anywhere in the registry (for de-duplicating uploads): an OCI blob or any bundle. */
    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<BlobRef> findAnywhere(Digest digest) {
        List<Object[]> rows = em.createNativeQuery("SELECT size, blob_key FROM oci_blob WHERE digest = :d")
                .setParameter("d", digest.toString()).getResultList();
        if (!rows.isEmpty()) {
            return Optional.of(new BlobRef(digest, ((Number) rows.get(0)[0]).longValue(), BlobKey.of((String) rows.get(0)[1])));
        }
        if (!digest.isSha256()) {
            return Optional.empty();
        }
        List<Object[]> bundles = em.createNativeQuery("SELECT size, extension_name FROM bundle WHERE sha256 = :h")
                .setParameter("h", digest.hex()).getResultList();
        return bundles.stream().findFirst().map(b -> new BlobRef(digest, ((Number) b[0]).longValue(),
                BlobKey.bundle(new BundleAddress((String) b[1], digest.hex()))));
    }

    /** Records the blob (if new) and lets the repository serve it. */
    @Transactional
    public void link(String repository, BlobRef ref) {
        ensureRepository(repository);
        lock(ref.digest().toString());
        if (ref.key().path().startsWith("oci/")) {
            try {
                if (store.stat(ref.key()).isEmpty()) {
                    throw new OciException(OciError.BLOB_UPLOAD_INVALID, "blob " + ref.digest()
                            + " was garbage-collected while it was being uploaded; upload it again");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        em.createNativeQuery("INSERT INTO oci_blob (digest, size, blob_key) VALUES (:d, :s, :k) ON CONFLICT (digest) DO NOTHING")
                .setParameter("d", ref.digest().toString()).setParameter("s", ref.size()).setParameter("k", ref.key().path())
                .executeUpdate();
        em.createNativeQuery("INSERT INTO oci_repository_blob (repository, digest) VALUES (:r, :d) ON CONFLICT DO NOTHING")
                .setParameter("r", repository).setParameter("d", ref.digest().toString()).executeUpdate();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void ensureRepository(String repository) {
        em.createNativeQuery("INSERT INTO oci_repository (name, extension_name) VALUES (:r, :e) ON CONFLICT DO NOTHING")
                .setParameter("r", repository).setParameter("e", OciPath.extension(repository)).executeUpdate();
    }

    /**
     * Removes the repository's link to the blob; when no repository links it any more the blob row
     * goes too, and {@link OciMaintenance} later removes its bytes (never a bundle's).
     */
    @Transactional
    public void unlink(String repository, Digest digest) {
        cache.remove(repository + "@" + digest);
        int n = em.createNativeQuery("DELETE FROM oci_repository_blob WHERE repository = :r AND digest = :d")
                .setParameter("r", repository).setParameter("d", digest.toString()).executeUpdate();
        if (n == 0) {
            throw OciException.blobUnknown(repository, digest);
        }
        lock(digest.toString());
        @SuppressWarnings("unchecked")
        List<String> keys = em.createNativeQuery("DELETE FROM oci_blob b WHERE digest = :d AND NOT EXISTS "
                + "(SELECT 1 FROM oci_repository_blob rb WHERE rb.digest = b.digest) RETURNING blob_key")
                .setParameter("d", digest.toString()).getResultList();
        for (String key : keys) {
            if (key.startsWith("oci/")) {
                em.createNativeQuery("INSERT INTO oci_blob_garbage (digest, blob_key) VALUES (:d, :k) "
                        + "ON CONFLICT (digest) DO UPDATE SET since = now()").setParameter("d", digest.toString())
                        .setParameter("k", key).executeUpdate();
            }
        }
    }

    /**
     * Deletes the bytes of one garbage entry older than the grace period, unless the digest was
     * linked again meanwhile; returns whether bytes were removed.
     */
    @Transactional
    public boolean collect(String digest, String key) throws IOException {
        lock(digest);
        em.createNativeQuery("DELETE FROM oci_blob_garbage WHERE digest = :d").setParameter("d", digest).executeUpdate();
        Number live = (Number) em.createNativeQuery("SELECT count(*) FROM oci_blob WHERE blob_key = :k")
                .setParameter("k", key).getSingleResult();
        return live.longValue() == 0 && store.delete(BlobKey.of(key));
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<Object[]> garbage(Duration grace, int limit) {
        return em.createNativeQuery("SELECT digest, blob_key FROM oci_blob_garbage WHERE since < now() - make_interval(secs => :s) "
                + "ORDER BY since LIMIT :n").setParameter("s", (double) grace.toSeconds()).setParameter("n", limit).getResultList();
    }

    /** Serialises linking and garbage collection of one digest (a transaction-scoped advisory lock). */
    @Transactional(Transactional.TxType.MANDATORY)
    void lock(String digest) {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtextextended(:d, 7))").setParameter("d", digest)
                .getSingleResult();
    }

    private void remember(String repository, Held held) {
        if (cache.size() > CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(repository + "@" + held.ref().digest(), new Cached(held, System.currentTimeMillis() + config.blobCacheTtl().toMillis()));
    }
}
