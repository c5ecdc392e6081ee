package dev.extfarm.registry.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The image of every bundle ({@link BundleImage}): recognised when a worker pushes it, created
 * here when none was pushed (the backfill), and gathered under the moving tag
 * {@code <version>-pg<major>}: an OCI index of the newest approved image per platform.
 */
@ApplicationScoped
public class BundleImages {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;
    @Inject
    BlobIndex blobs;
    @Inject
    BlobStore store;
    @Inject
    Manifests manifests;
    @Inject
    SignatureArtifacts signatures;

    /** A catalog bundle, as far as its image needs it. */
    record BundleRow(String sha256, String name, long size, String manifestJson) {
        BundleImage image() {
            return BundleImage.of(BundleManifest.parse(manifestJson), sha256, size);
        }
    }

    @SuppressWarnings("unchecked")
    Optional<BundleRow> bundle(String sha256, String name) {
        List<Object[]> rows = em.createNativeQuery("SELECT sha256, extension_name, size, CAST(manifest AS text) FROM bundle "
                        + "WHERE sha256 = :h AND (CAST(:n AS text) IS NULL OR extension_name = :n)")
                .setParameter("h", sha256).setParameter("n", name).getResultList();
        return rows.stream().findFirst().map(r -> new BundleRow((String) r[0], (String) r[1], ((Number) r[2]).longValue(),
                (String) r[3]));
    }

    /**
     * A pushed manifest that is exactly the image of a bundle of this repository ({@link PushRules}
     * lets no other image in) is recorded as such, and its platform tag follows the registry's rule.
     */
    void onPushed(@Observes Manifests.Pushed p) {
        ManifestDocument doc = p.document();
        if (doc.isIndex() || doc.blobs().size() != 2 || !BundleImage.LAYER_MEDIA_TYPE.equals(doc.blobs().get(1).mediaType())
                || !doc.blobs().get(1).digest().isSha256()) {
            return;
        }
        Optional<BundleRow> row = bundle(doc.blobs().get(1).digest().hex(), OciPath.extension(p.repository()));
        if (row.isEmpty()) {
            return;
        }
        BundleImage image = row.get().image();
        if (Arrays.equals(image.manifest(), p.content())) {
            tagPlatform(image, row.get().sha256());
            record(row.get().sha256(), image);
            attachSignature(row.get().sha256());
        }
    }

    /** Creates the image of one bundle in its repository, unless it has one; returns its digest. */
    @Transactional
    public String create(String sha256) throws IOException {
        BundleRow row = bundle(sha256, null).orElseThrow(() -> new IllegalArgumentException("no bundle " + sha256));
        BundleImage image = row.image();
        String repo = image.repository();
        Digest configDigest = Digest.parse(image.configDigest());
        try {
            store.put(BlobIndex.keyFor(configDigest), new ByteArrayInputStream(image.config()), configDigest.hex());
        } catch (BlobDigestMismatchException e) {
            throw new IllegalStateException("the config changed while being stored", e);
        }
        blobs.link(repo, new BlobRef(configDigest, image.config().length, BlobIndex.keyFor(configDigest)));
        blobs.find(repo, Digest.parse(image.layerDigest())).orElseThrow();
        Digest digest = Digest.parse(image.manifestDigest());
        manifests.insert(repo, digest, ManifestDocument.parse(BundleImage.MANIFEST_MEDIA_TYPE, image.manifest()), image.manifest());
        tagPlatform(image, sha256);
        record(sha256, image);
        attachSignature(sha256);
        return digest.toString();
    }

    /**
     * The registry's rule for platform tags: {@code <version>-pg<major>-<distro>-<arch>} points at
     * the image of the newest accepted build of that platform, so it moves when a rebuild's image
     * arrives (pushed, or created here), never back to an older one.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void tagPlatform(BundleImage image, String sha256) {
        image.platformTag().ifPresent(tag -> {
            if (!taggedWithNewer(image.repository(), tag, sha256)) {
                manifests.tag(image.repository(), tag, Digest.parse(image.manifestDigest()));
            }
        });
    }

    /** True if the tag points at the image of a bundle created after this one (a newer build wins). */
    private boolean taggedWithNewer(String repo, String tag, String sha256) {
        return !em.createNativeQuery("SELECT 1 FROM oci_tag t JOIN oci_bundle_image i ON i.repository = t.repository "
                        + "AND i.manifest_digest = t.manifest_digest JOIN bundle b ON b.sha256 = i.bundle_sha256 "
                        + "JOIN bundle mine ON mine.sha256 = :h WHERE t.repository = :r AND t.tag = :t AND b.created_at > mine.created_at")
                .setParameter("h", sha256).setParameter("r", repo).setParameter("t", tag).getResultList().isEmpty();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void record(String sha256, BundleImage image) {
        em.createNativeQuery("INSERT INTO oci_bundle_image (bundle_sha256, repository, manifest_digest) VALUES (:h, :r, :d) "
                        + "ON CONFLICT (bundle_sha256) DO UPDATE SET manifest_digest = excluded.manifest_digest")
                .setParameter("h", sha256).setParameter("r", image.repository()).setParameter("d", image.manifestDigest())
                .executeUpdate();
        var m = image.bundleManifest();
        refreshMovingTag(m.name(), m.version(), m.pgMajor());
    }

    /**
     * Points {@code <version>-pg<major>} at an index of the newest approved image per platform
     * (os/architecture/variant), or removes it when there is none. The index names each bundle's
     * recorded image (its stored digest and size), not a digest computed again: an image made by an
     * earlier extfarm, whose {@link BundleImage} wrote other annotations, stays the image of its bundle.
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public void refreshMovingTag(String name, String version, int pgMajor) {
        String repo = BundleImage.REPOSITORY_PREFIX + name;
        List<Object[]> rows = em.createNativeQuery("SELECT b.sha256, b.size, CAST(b.manifest AS text), m.size, i.manifest_digest FROM bundle b "
                        + "JOIN oci_bundle_image i ON i.bundle_sha256 = b.sha256 JOIN oci_manifest m ON m.repository = i.repository "
                        + "AND m.digest = i.manifest_digest WHERE b.extension_name = :n AND b.version = :v AND b.pg_major = :pg "
                        + "AND b.review_state = 'approved' ORDER BY b.created_at DESC, b.sha256")
                .setParameter("n", name).setParameter("v", version).setParameter("pg", pgMajor).getResultList();
        Map<String, ObjectNode> newest = new LinkedHashMap<>();
        for (Object[] r : rows) {
            BundleImage img = new BundleRow((String) r[0], name, ((Number) r[1]).longValue(), (String) r[2]).image();
            String platform = img.os() + "/" + img.architecture() + img.variant().map(v -> "/" + v).orElse("");
            if (newest.containsKey(platform)) {
                continue;
            }
            ObjectNode d = JSON.createObjectNode().put("mediaType", BundleImage.MANIFEST_MEDIA_TYPE)
                    .put("digest", (String) r[4]).put("size", ((Number) r[3]).longValue());
            ObjectNode p = d.putObject("platform").put("architecture", img.architecture()).put("os", img.os());
            img.variant().ifPresent(v -> p.put("variant", v));
            d.putObject("annotations").put("dev.extfarm.bundle.platform", img.bundleManifest().platform().id())
                    .put(BundleImage.LABEL_BUNDLE_SHA256, (String) r[0]);
            newest.put(platform, d);
        }
        String tag = BundleImage.movingTag(version, pgMajor);
        if (newest.isEmpty()) {
            em.createNativeQuery("DELETE FROM oci_tag WHERE repository = :r AND tag = :t").setParameter("r", repo)
                    .setParameter("t", tag).executeUpdate();
            return;
        }
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", BundleImage.INDEX_MEDIA_TYPE);
        ArrayNode list = index.putArray("manifests");
        newest.keySet().stream().sorted().forEach(k -> list.add(newest.get(k)));
        byte[] bytes = index.toString().getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(bytes);
        manifests.insert(repo, digest, ManifestDocument.parse(BundleImage.INDEX_MEDIA_TYPE, bytes), bytes);
        manifests.tag(repo, tag, digest);
    }

    /** Bundles without an image, oldest first. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> missing(int limit) {
        return em.createNativeQuery("SELECT b.sha256 FROM bundle b WHERE NOT EXISTS (SELECT 1 FROM oci_bundle_image i "
                + "WHERE i.bundle_sha256 = b.sha256) ORDER BY b.created_at, b.sha256 LIMIT :n").setParameter("n", limit)
                .getResultList();
    }

    /** (name, version, pg major) of bundles reviewed since {@code since}: their moving tags may have changed. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Object[]> reviewedSince(OffsetDateTime since) {
        return em.createNativeQuery("SELECT DISTINCT extension_name, version, pg_major FROM bundle WHERE reviewed_at >= :s")
                .setParameter("s", since).getResultList();
    }

    /** The farm's signature as a referrer of the image; if it cannot be attached now, the backfill does it. */
    private void attachSignature(String sha256) {
        try {
            signatures.attach(sha256);
        } catch (IOException | RuntimeException e) {
            Log.warnf("could not attach the signature of bundle %s to its image (will retry): %s", sha256, e.getMessage());
        }
    }

    static void log(String sha256, Exception e) {
        Log.warnf("could not create the image of bundle %s (will retry): %s", sha256, e.getMessage());
    }
}
