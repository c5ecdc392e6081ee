package dev.extfarm.registry.oci;

import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.oci.ManifestDocument.Descriptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a manifest push may store under {@code extensions/<name>}: the registry serves the images
 * of its bundles, nothing else, so a push is one of
 * <ul>
 *   <li>the image of a bundle of that name that was uploaded and accepted, byte for byte what
 *       {@link BundleImage} makes of it (as the worker's publisher and the registry's backfill
 *       do: its single layer is the bundle, its config and annotations come from the bundle's
 *       {@code manifest.json}) or the image the registry already holds for it (made by an earlier
 *       {@link BundleImage}), pushed by its sha256 digest or under its own platform tag;</li>
 *   <li>the farm's signature artifact of such an image ({@link SignatureArtifacts}), by digest.</li>
 * </ul>
 * Tags do not move by a push: a tag that is set may be pushed again with the same manifest only.
 * The registry itself points platform tags at the newest build and keeps the moving
 * {@code <version>-pg<major>} index ({@link BundleImages}). Everything else is DENIED, with the
 * rule it breaks, before anything is written.
 */
@ApplicationScoped
public class PushRules {

    @Inject
    EntityManager em;
    @Inject
    BundleImages images;
    @Inject
    SignatureArtifacts signatures;

    /** Checks a push of {@code bytes} (parsed as {@code doc}, digest {@code digest}) under {@code tag} (null: by digest). */
    @Transactional(Transactional.TxType.MANDATORY)
    void check(String repository, String tag, Digest digest, ManifestDocument doc, byte[] bytes) {
        String name = OciPath.extension(repository);
        if (doc.isIndex()) {
            throw denied(repository, "image indexes are not pushed here: the registry keeps <version>-pg<major> itself, as an "
                    + "index of the newest approved image per platform");
        }
        if (!BundleImage.MANIFEST_MEDIA_TYPE.equals(doc.mediaType())) {
            throw denied(repository, "only OCI image manifests (" + BundleImage.MANIFEST_MEDIA_TYPE + ") of bundles of '" + name
                    + "' are pushed here, not " + doc.mediaType());
        }
        if (!digest.isSha256()) {
            throw denied(repository, "push by the sha256 digest of the manifest (" + Digest.sha256(bytes) + "), not " + digest);
        }
        if (SignatureArtifacts.ARTIFACT_TYPE.equals(doc.artifactType())) {
            checkSignature(repository, tag, doc, bytes);
        } else {
            checkImage(repository, tag, digest, doc, bytes);
        }
    }

    private void checkImage(String repository, String tag, Digest digest, ManifestDocument doc, byte[] bytes) {
        String name = OciPath.extension(repository);
        List<Descriptor> layers = doc.blobs().subList(1, doc.blobs().size());
        Descriptor layer = layers.size() == 1 ? layers.get(0) : null;
        if (layer == null || !BundleImage.LAYER_MEDIA_TYPE.equals(layer.mediaType()) || !layer.distributable()
                || !layer.digest().isSha256()) {
            throw denied(repository, "only the image of a bundle of '" + name + "' is pushed here: its single layer is the bundle "
                    + "itself (one " + BundleImage.LAYER_MEDIA_TYPE + " layer, digest sha256:<bundle sha-256>, no URLs); this "
                    + "manifest has " + layers.size() + " layer(s)" + (layer == null ? "" : " of type " + layer.mediaType()));
        }
        BundleImages.BundleRow bundle = images.bundle(layer.digest().hex(), name).orElseThrow(() -> denied(repository,
                "the layer " + layer.digest() + " is not a bundle of '" + name + "' that this registry accepted; upload the bundle "
                        + "first (PUT /extensions/" + name + "/sha-256+" + layer.digest().hex() + "/bundle.tar)")
                .detail("layer", layer.digest().toString()));
        BundleImage image = bundle.image();
        if (!Arrays.equals(image.manifest(), bytes) && !isRecordedImage(repository, bundle.sha256(), digest)) {
            throw denied(repository, "this is not the image of bundle " + layer.digest() + ": that image is " + image.manifestDigest()
                    + ", made by the bundle alone (config, labels and annotations from its manifest.json; docs/oci.md#the-image)")
                    .detail("expected", image.manifestDigest()).detail("actual", digest.toString());
        }
        if (tag == null) {
            return;
        }
        Optional<String> own = image.platformTag();
        if (own.isEmpty() || !own.get().equals(tag)) {
            throw denied(repository, "the tag '" + tag + "' is not this image's: the image of a bundle is pushed under its platform "
                    + "tag" + own.map(t -> " '" + t + "'").orElse("") + " or by digest; the registry keeps "
                    + image.movingTag() + " and other tags are not used").detail("tag", tag);
        }
        requireUnsetOrSame(repository, tag, digest);
    }

    private void checkSignature(String repository, String tag, ManifestDocument doc, byte[] bytes) {
        if (tag != null) {
            throw denied(repository, "signature artifacts are pushed by digest, not under a tag ('" + tag + "')").detail("tag", tag);
        }
        Optional<SignatureArtifacts.Artifact> expected;
        try {
            expected = doc.subject() == null ? Optional.empty()
                    : signatures.artifactOfImage(repository, doc.subject().digest().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (expected.isEmpty()) {
            throw denied(repository, "a signature artifact's subject must be the image of a signed bundle of '"
                    + OciPath.extension(repository) + "' in " + repository);
        }
        if (!Arrays.equals(expected.get().manifest(), bytes)) {
            throw denied(repository, "only the farm's own signature artifact of this image is accepted ("
                    + Digest.sha256(expected.get().manifest()) + "); the registry attaches it itself")
                    .detail("expected", Digest.sha256(expected.get().manifest()).toString());
        }
    }

    /**
     * True if the digest is the image the registry holds for the bundle: made by an earlier
     * {@link BundleImage} (other annotations), it may be pushed again as it is.
     */
    private boolean isRecordedImage(String repository, String sha256, Digest digest) {
        return !em.createNativeQuery("SELECT 1 FROM oci_bundle_image WHERE bundle_sha256 = :h AND repository = :r "
                + "AND manifest_digest = :d").setParameter("h", sha256).setParameter("r", repository)
                .setParameter("d", digest.toString()).getResultList().isEmpty();
    }

    /** Tags are immutable for pushes: a set tag takes the manifest it points at, and no other. */
    @SuppressWarnings("unchecked")
    void requireUnsetOrSame(String repository, String tag, Digest digest) {
        List<String> current = em.createNativeQuery("SELECT manifest_digest FROM oci_tag WHERE repository = :r AND tag = :t")
                .setParameter("r", repository).setParameter("t", tag).getResultList();
        if (!current.isEmpty() && !current.get(0).equals(digest.toString())) {
            throw denied(repository, "the tag '" + tag + "' already points at " + current.get(0) + " and tags do not move by a "
                    + "push; push this image by digest: the registry points platform tags at the newest accepted build itself")
                    .detail("tag", tag).detail("current", current.get(0));
        }
    }

    private static OciException denied(String repository, String message) {
        return new OciException(OciError.DENIED, message + ". Nothing was stored").detail("name", repository);
    }
}
