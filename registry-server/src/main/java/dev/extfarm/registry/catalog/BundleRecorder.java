package dev.extfarm.registry.catalog;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.ControlFile;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.names.CarriedNames;
import dev.extfarm.registry.names.NameOwnership;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.runtime.TransactionConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;

/** Records an accepted bundle in the catalog, publishing its blobs; idempotent (same bytes again change nothing). */
@ApplicationScoped
public class BundleRecorder {

    /** {@code created} is false when the catalog already had this bundle. */
    public record Recorded(boolean created, ReviewState reviewState) {
    }

    @Inject
    EntityManager em;
    @Inject
    ReviewConfig review;
    @Inject
    BlobStore store;
    @Inject
    NameOwnership ownership;

    /** Publishes an accepted bundle's blobs; called by {@link #record} while it holds the bundle's lock. */
    public interface Publication {
        /** Publishes the bundle and its control files; returns the keys this call created (on failure, removes them first). */
        List<BlobKey> publish() throws IOException, BlobDigestMismatchException;
    }

    /**
     * Claims the bundle's names, publishes its blobs and records it, in one transaction: nothing is
     * published unless its names are the bundle's own (a refusal leaves the store as it was), and a
     * failure after publishing removes what this call published. Serialised per sha-256 with the blob
     * collector (which deletes unreferenced bundle blobs under the same lock). The timeout allows a
     * large bundle's server-side copy on S3.
     */
    @Transactional(rollbackOn = Exception.class)
    @TransactionConfiguration(timeout = 3600)
    public Recorded record(VerifiedBundle vb, Long uploaderTokenId, CarriedNames names, Publication publication)
            throws IOException, BlobDigestMismatchException {
        BundleManifest m = vb.manifest();
        em.createNativeQuery("INSERT INTO extension (name, description) VALUES (:n, :d) ON CONFLICT (name) DO UPDATE "
                        + "SET description = coalesce(extension.description, excluded.description)")
                .setParameter("n", m.name()).setParameter("d", description(vb)).executeUpdate();
        // serialise concurrent uploads of the same bytes, and the blob collector
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtextextended(:sha, 0))").setParameter("sha", vb.sha256())
                .getSingleResult();
        BundleEntry existing = BundleEntry.findById(vb.sha256());
        if (existing != null) {
            publication.publish(); // the same bytes again: nothing to claim; puts back a blob that went missing
            return new Recorded(false, existing.review());
        }
        ownership.claim(m.name(), vb.sha256(), names); // refuses (and rolls back) before anything is published
        List<BlobKey> published = publication.publish();
        try {
            // from now on bytes of a public extension may sit in caches: it cannot become private
            em.createNativeQuery("UPDATE extension SET first_public_at = now() WHERE name = :n AND visibility = 'public' "
                    + "AND first_public_at IS NULL").setParameter("n", m.name()).executeUpdate();
            ReviewState state = persist(vb, m, uploaderTokenId);
            em.flush(); // a failing insert fails here, while the blobs can still be taken back
            return new Recorded(true, state);
        } catch (RuntimeException e) {
            unpublish(published);
            throw e;
        }
    }

    private ReviewState persist(VerifiedBundle vb, BundleManifest m, Long uploaderTokenId) {
        BundleEntry b = new BundleEntry();
        b.sha256 = vb.sha256();
        b.extensionName = m.name();
        b.version = m.version();
        b.pgMajor = m.pgMajor();
        b.platform = m.platform().id();
        b.size = vb.size();
        b.defaultVersion = m.defaultVersion();
        b.extensions = m.extensions().toArray(String[]::new);
        b.requires = m.requires().toArray(String[]::new);
        b.libraries = m.libraries().toArray(String[]::new);
        b.bundledLibraries = m.bundledLibraries().toArray(String[]::new);
        b.systemLibraries = m.systemLibraries().toArray(String[]::new);
        b.sharedPreload = m.sharedPreload();
        b.preload = m.preload();
        b.license = m.license();
        ReviewState state = review.policy() == ReviewConfig.Policy.AUTO ? ReviewState.APPROVED : ReviewState.PENDING_REVIEW;
        b.reviewState = state.id();
        b.reviewedAt = state == ReviewState.APPROVED ? OffsetDateTime.now() : null;
        b.manifest = new String(m.toJson(), StandardCharsets.UTF_8);
        b.uploadedBy = uploaderTokenId;
        b.persist();
        return state;
    }

    /** Removes blobs this upload published (under the bundle's lock, no row refers to them). */
    private void unpublish(List<BlobKey> keys) {
        for (BlobKey key : keys) {
            try {
                store.delete(key);
            } catch (IOException | RuntimeException e) {
                Log.warnf("could not remove %s after a failed upload (the blob GC will): %s", key, e.getMessage());
            }
        }
    }

    /** The comment of the bundle's main control file (named like the bundle, else the first). */
    static String description(VerifiedBundle vb) {
        String name = vb.controlFiles().containsKey(vb.manifest().name()) ? vb.manifest().name()
                : vb.manifest().extensions().isEmpty() ? null : vb.manifest().extensions().get(0);
        byte[] control = name == null ? null : vb.controlFiles().get(name);
        if (control == null) {
            return null;
        }
        try {
            return ControlFile.parse(name, control).comment().orElse(null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
