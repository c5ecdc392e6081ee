package dev.extfarm.registry.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import dev.extfarm.registry.signing.BundleSigner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The farm's signature of a bundle, attached to the bundle's image as an OCI artifact: an image
 * manifest with {@code artifactType} {@link #ARTIFACT_TYPE}, the empty config, one layer (the same
 * JWS as {@code bundle.tar.sig}) and {@code subject} = the image manifest, so OCI tooling finds it
 * through {@code GET /v2/<name>/referrers/<image digest>}. The artifact is deterministic (no
 * timestamps): the same signature always gives the same digest.
 */
@ApplicationScoped
public class SignatureArtifacts {

    public static final String ARTIFACT_TYPE = "application/vnd.dev.extfarm.bundle.signature.v1+jws";
    public static final String KID_ANNOTATION = "dev.extfarm.signature.kid";
    static final String EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
    static final byte[] EMPTY = "{}".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;
    @Inject
    BlobStore store;
    @Inject
    BlobIndex blobs;
    @Inject
    Manifests manifests;
    @Inject
    BundleSigner signer;

    /** The artifact of a bundle's current signature: where it goes, its manifest and its one layer (the JWS). */
    record Artifact(String repository, byte[] manifest, byte[] jws) {
    }

    /** Attaches the bundle's current signature to its image; returns the artifact digest, empty if either is missing. */
    @Transactional
    public Optional<String> attach(String bundleSha256) throws IOException {
        Optional<Artifact> artifact = artifact(bundleSha256);
        if (artifact.isEmpty()) {
            return Optional.empty();
        }
        Artifact a = artifact.get();
        put(a.repository(), EMPTY);
        put(a.repository(), a.jws());
        Digest digest = Digest.sha256(a.manifest());
        manifests.insert(a.repository(), digest, ManifestDocument.parse(BundleImage.MANIFEST_MEDIA_TYPE, a.manifest()), a.manifest());
        return Optional.of(digest.toString());
    }

    /** The farm's signature artifact for the bundle image {@code imageDigest} of the repository, if it is one and is signed. */
    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<Artifact> artifactOfImage(String repository, String imageDigest) throws IOException {
        List<String> bundle = em.createNativeQuery("SELECT bundle_sha256 FROM oci_bundle_image WHERE repository = :r "
                + "AND manifest_digest = :d").setParameter("r", repository).setParameter("d", imageDigest).getResultList();
        return bundle.isEmpty() ? Optional.empty() : artifact(bundle.get(0));
    }

    /** The artifact of the bundle's current signature, as {@link #attach} stores it; empty without an image or a signature. */
    @SuppressWarnings("unchecked")
    private Optional<Artifact> artifact(String bundleSha256) throws IOException {
        List<Object[]> rows = em.createNativeQuery("SELECT i.repository, i.manifest_digest, m.size, b.extension_name FROM oci_bundle_image i "
                        + "JOIN oci_manifest m ON m.repository = i.repository AND m.digest = i.manifest_digest "
                        + "JOIN bundle b ON b.sha256 = i.bundle_sha256 WHERE i.bundle_sha256 = :h")
                .setParameter("h", bundleSha256).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        String repo = (String) rows.get(0)[0];
        String image = (String) rows.get(0)[1];
        long imageSize = ((Number) rows.get(0)[2]).longValue();
        Optional<byte[]> jws = signer.signature((String) rows.get(0)[3], bundleSha256);
        Optional<String> kid = signer.signedBy(bundleSha256);
        if (jws.isEmpty() || kid.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", BundleImage.MANIFEST_MEDIA_TYPE)
                .put("artifactType", ARTIFACT_TYPE);
        m.putObject("config").put("mediaType", EMPTY_MEDIA_TYPE).put("digest", Digest.sha256(EMPTY).toString())
                .put("size", EMPTY.length).put("data", "e30=");
        m.putArray("layers").addObject().put("mediaType", ARTIFACT_TYPE).put("digest", Digest.sha256(jws.get()).toString())
                .put("size", jws.get().length);
        m.putObject("subject").put("mediaType", BundleImage.MANIFEST_MEDIA_TYPE).put("digest", image).put("size", imageSize);
        m.putObject("annotations").put(KID_ANNOTATION, kid.get()).put(BundleImage.LABEL_BUNDLE_SHA256, bundleSha256);
        return Optional.of(new Artifact(repo, m.toString().getBytes(StandardCharsets.UTF_8), jws.get()));
    }

    private Digest put(String repo, byte[] bytes) throws IOException {
        Digest d = Digest.sha256(bytes);
        try {
            store.put(BlobIndex.keyFor(d), new ByteArrayInputStream(bytes), d.hex());
        } catch (BlobDigestMismatchException e) {
            throw new IOException("a blob changed while being stored", e);
        }
        blobs.link(repo, new BlobRef(d, bytes.length, BlobIndex.keyFor(d)));
        return d;
    }

    /** Bundles whose image has no signature artifact by the key that currently signs the bundle. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> missing(int limit) {
        return em.createNativeQuery("SELECT i.bundle_sha256 FROM oci_bundle_image i JOIN bundle_signature s ON s.bundle_sha256 = i.bundle_sha256 "
                        + "WHERE NOT EXISTS (SELECT 1 FROM oci_manifest m WHERE m.repository = i.repository AND m.subject = i.manifest_digest "
                        + "AND m.artifact_type = :t AND m.annotations ->> :k = s.kid) ORDER BY i.bundle_sha256 LIMIT :n")
                .setParameter("t", ARTIFACT_TYPE).setParameter("k", KID_ANNOTATION).setParameter("n", limit).getResultList();
    }
}
