package dev.extfarm.registry.signing;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Signs accepted bundles with the farm key: the JWS ({@link BundleSignature}) goes to the blob
 * store beside the bundle ({@code .../bundle.tar.sig}), and {@code bundle_signature} records which
 * key signed, so that {@code /api/v1/keys} lists old keys while they are referenced and the
 * backfill finds bundles no configured key vouches for.
 */
@ApplicationScoped
public class BundleSigner {

    /** A bundle, as far as its signature needs it. */
    public record Subject(String sha256, String name, String version, int pgMajor, String platform) {
        BundleAddress address() {
            return new BundleAddress(name, sha256);
        }

        BundleSignature.Statement statement() {
            return new BundleSignature.Statement(sha256, name, version, pgMajor, platform);
        }
    }

    @Inject
    BlobStore store;
    @Inject
    FarmKeys keys;
    @Inject
    EntityManager em;

    /** Signs the bundle with the current key unless a configured key already did; returns the signing key id. */
    @Transactional
    public String ensureSigned(Subject s) throws IOException {
        Optional<String> kid = signedBy(s.sha256());
        if (kid.isPresent() && keys.find(kid.get()).isPresent() && store.stat(BlobKey.signature(s.address())).isPresent()) {
            return kid.get();
        }
        return sign(s);
    }

    /** Signs (again) with the current key, replacing an earlier signature. */
    @Transactional
    public String sign(Subject s) throws IOException {
        SigningKey key = keys.current();
        byte[] jws;
        try {
            jws = BundleSignature.sign(s.statement(), key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with key " + key.kid() + ": " + e.getMessage(), e);
        }
        BlobKey blob = BlobKey.signature(s.address());
        // Ed25519 is deterministic: concurrent uploads of one bundle make the same bytes, and then
        // nothing is rewritten. Otherwise (a key rotation) the signature is the one blob that may
        // be replaced: remove, then publish.
        if (store.stat(blob).isPresent()) {
            byte[] existing;
            try (var in = store.open(blob, 0)) {
                existing = in.readAllBytes();
            }
            if (!Arrays.equals(existing, jws)) {
                store.delete(blob);
            }
        }
        try {
            store.put(blob, new ByteArrayInputStream(jws), Digests.sha256(jws));
        } catch (BlobDigestMismatchException e) {
            throw new IOException("the signature changed while being stored", e);
        }
        em.createNativeQuery("INSERT INTO bundle_signature (bundle_sha256, kid) VALUES (:h, :k) ON CONFLICT (bundle_sha256) "
                + "DO UPDATE SET kid = excluded.kid, signed_at = now()").setParameter("h", s.sha256()).setParameter("k", key.kid())
                .executeUpdate();
        return key.kid();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public Optional<String> signedBy(String sha256) {
        List<String> r = em.createNativeQuery("SELECT kid FROM bundle_signature WHERE bundle_sha256 = :h")
                .setParameter("h", sha256).getResultList();
        return r.stream().findFirst();
    }

    /** The stored JWS of a bundle, if it has one. */
    public Optional<byte[]> signature(String name, String sha256) throws IOException {
        BlobKey key = BlobKey.signature(new BundleAddress(name, sha256));
        if (store.stat(key).isEmpty()) {
            return Optional.empty();
        }
        try (var in = store.open(key, 0)) {
            return Optional.of(in.readAllBytes());
        }
    }

    /** Bundles with no signature, or one by a key that is no longer configured, oldest first. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Subject> unsigned(int limit) {
        List<String> kids = keys.all().toJson().findValuesAsText("kid");
        List<Object[]> rows = em.createNativeQuery("SELECT b.sha256, b.extension_name, b.version, b.pg_major, b.platform FROM bundle b "
                        + "LEFT JOIN bundle_signature s ON s.bundle_sha256 = b.sha256 WHERE s.kid IS NULL OR NOT (s.kid = ANY(CAST(:k AS text[]))) "
                        + "ORDER BY b.created_at, b.sha256 LIMIT :n")
                .setParameter("k", "{" + String.join(",", kids.stream().map(k -> "\"" + k + "\"").toList()) + "}")
                .setParameter("n", limit).getResultList();
        return rows.stream().map(r -> new Subject((String) r[0], (String) r[1], (String) r[2], ((Number) r[3]).intValue(),
                (String) r[4])).toList();
    }

    /** Key ids some bundle's signature was made with. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> referencedKids() {
        return em.createNativeQuery("SELECT DISTINCT kid FROM bundle_signature").getResultList();
    }
}
