package dev.extfarm.registry.catalog;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.ControlFile;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Records an accepted bundle in the catalog; idempotent (same bytes again change nothing). */
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

    @Transactional
    public Recorded record(VerifiedBundle vb, Long uploaderTokenId) {
        BundleManifest m = vb.manifest();
        em.createNativeQuery("INSERT INTO extension (name, description) VALUES (:n, :d) ON CONFLICT (name) DO UPDATE "
                        + "SET description = coalesce(extension.description, excluded.description)")
                .setParameter("n", m.name()).setParameter("d", description(vb)).executeUpdate();
        // serialise concurrent uploads of the same bytes
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtextextended(:sha, 0))").setParameter("sha", vb.sha256())
                .getSingleResult();
        BundleEntry existing = BundleEntry.findById(vb.sha256());
        if (existing != null) {
            return new Recorded(false, existing.review());
        }
        requireBlobs(vb);
        // from now on bytes of a public extension may sit in caches: it cannot become private
        em.createNativeQuery("UPDATE extension SET first_public_at = now() WHERE name = :n AND visibility = 'public' "
                + "AND first_public_at IS NULL").setParameter("n", m.name()).executeUpdate();
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
        b.reviewedAt = state == ReviewState.APPROVED ? java.time.OffsetDateTime.now() : null;
        b.manifest = new String(m.toJson(), StandardCharsets.UTF_8);
        b.uploadedBy = uploaderTokenId;
        b.persist();
        return new Recorded(true, state);
    }

    /**
     * The blob collector deletes unreferenced bundle bytes under this same lock: when the bytes
     * this upload found already published were collected just before, say so instead of recording
     * a bundle without bytes.
     */
    private void requireBlobs(VerifiedBundle vb) {
        var address = new BundleAddress(vb.manifest().name(), vb.sha256());
        List<BlobKey> keys = new ArrayList<>();
        keys.add(BlobKey.bundle(address));
        vb.controlFiles().keySet().forEach(control -> keys.add(BlobKey.control(address, control)));
        for (BlobKey key : keys) {
            try {
                if (store.stat(key).isEmpty()) {
                    throw ExtfarmException.conflict("bundle-collected", key + " was garbage-collected while this upload "
                            + "was in progress; nothing was recorded, send the bundle again");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot check " + key + " in the blob store", e);
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
