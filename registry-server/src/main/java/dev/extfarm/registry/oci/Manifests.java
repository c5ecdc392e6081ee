package dev.extfarm.registry.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import dev.extfarm.registry.oci.ManifestDocument.Descriptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Manifests and tags of repositories. A push is checked whole before anything is written (syntax,
 * digest, the push rules of {@link PushRules}, every referenced blob or manifest present in the
 * repository with its declared size) and written in one transaction, so a refused manifest leaves
 * nothing visible. The blobs each manifest references are recorded ({@code oci_manifest_blob}):
 * they decide who may read a blob ({@link BlobIndex.Held}).
 */
@ApplicationScoped
public class Manifests {

    /** A manifest as stored: its bytes are served exactly as pushed. */
    public record Stored(Digest digest, String mediaType, byte[] content) {
    }

    /** A referrer of a subject, as listed by the referrers API. */
    public record Referrer(String mediaType, String digest, long size, String artifactType, String annotations) {
    }

    /** A page of names, and whether more follow. */
    public record Page(List<String> names, boolean more) {
    }

    /** Fired inside the push's transaction after a manifest was stored (bundle images listen). */
    public record Pushed(String repository, Digest digest, ManifestDocument document, byte[] content) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;
    @Inject
    BlobIndex blobs;
    @Inject
    Event<Pushed> pushed;
    @Inject
    PushRules rules;

    /** Checks and stores a pushed manifest under {@code reference} (a tag or its digest). */
    @Transactional
    public Pushed put(String repository, String reference, String contentType, byte[] bytes) {
        ManifestDocument doc = ManifestDocument.parse(contentType, bytes);
        Digest digest;
        String tag = null;
        if (Digest.looksLikeDigest(reference)) {
            Digest named = Digest.parse(reference);
            digest = Digest.of(named.algorithm(), bytes);
            if (!digest.equals(named)) {
                throw new OciException(OciError.DIGEST_INVALID, "the manifest's bytes have digest " + digest + ", not " + named
                        + "; nothing was stored. Push it by tag, or under its real digest")
                        .detail("expected", named.toString()).detail("actual", digest.toString());
            }
        } else if (OciPath.isTag(reference)) {
            digest = Digest.sha256(bytes);
            tag = reference;
        } else {
            throw ManifestDocument.invalid("'" + reference + "' is neither a digest nor a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})");
        }
        rules.check(repository, tag, digest, doc, bytes);
        for (Descriptor d : doc.blobs()) {
            if (!d.distributable()) {
                continue;
            }
            BlobRef ref = blobs.find(repository, d.digest()).orElseThrow(() -> new OciException(OciError.MANIFEST_BLOB_UNKNOWN,
                    "the manifest references blob " + d.digest() + ", which is not in " + repository
                            + "; push the blob first. Nothing was stored").detail("digest", d.digest().toString()));
            if (ref.size() != d.size()) {
                throw ManifestDocument.invalid("the descriptor of " + d.digest() + " says " + d.size() + " bytes but the blob has "
                        + ref.size());
            }
        }
        for (Descriptor m : doc.manifests()) {
            if (find(repository, m.digest()).isEmpty()) {
                throw new OciException(OciError.MANIFEST_BLOB_UNKNOWN, "the index references manifest " + m.digest()
                        + ", which is not in " + repository + "; push it first. Nothing was stored")
                        .detail("digest", m.digest().toString());
            }
        }
        insert(repository, digest, doc, bytes);
        if (tag != null) {
            tagOnce(repository, tag, digest);
        }
        Pushed p = new Pushed(repository, digest, doc, bytes);
        pushed.fire(p);
        return p;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void insert(String repository, Digest digest, ManifestDocument doc, byte[] bytes) {
        blobs.ensureRepository(repository);
        em.createNativeQuery("INSERT INTO oci_manifest (repository, digest, media_type, artifact_type, subject, annotations, "
                        + "size, content) VALUES (:r, :d, :m, :a, :s, CAST(:ann AS jsonb), :n, :c) ON CONFLICT DO NOTHING")
                .setParameter("r", repository).setParameter("d", digest.toString()).setParameter("m", doc.mediaType())
                .setParameter("a", doc.artifactType())
                .setParameter("s", doc.subject() == null ? null : doc.subject().digest().toString())
                .setParameter("ann", doc.annotations() == null ? null : doc.annotations().toString())
                .setParameter("n", bytes.length).setParameter("c", bytes).executeUpdate();
        for (Descriptor d : doc.blobs()) {
            em.createNativeQuery("INSERT INTO oci_manifest_blob (repository, manifest_digest, blob_digest) VALUES (:r, :m, :b) "
                            + "ON CONFLICT DO NOTHING").setParameter("r", repository).setParameter("m", digest.toString())
                    .setParameter("b", d.digest().toString()).executeUpdate();
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void tag(String repository, String tag, Digest digest) {
        em.createNativeQuery("INSERT INTO oci_tag (repository, tag, manifest_digest) VALUES (:r, :t, :d) "
                        + "ON CONFLICT (repository, tag) DO UPDATE SET manifest_digest = excluded.manifest_digest, updated_at = now()")
                .setParameter("r", repository).setParameter("t", tag).setParameter("d", digest.toString()).executeUpdate();
    }

    /**
     * Sets a tag for a push: only if it is not set yet; a tag set meanwhile to another manifest
     * refuses the push (tags do not move by a push, see {@link PushRules}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void tagOnce(String repository, String tag, Digest digest) {
        em.createNativeQuery("INSERT INTO oci_tag (repository, tag, manifest_digest) VALUES (:r, :t, :d) ON CONFLICT DO NOTHING")
                .setParameter("r", repository).setParameter("t", tag).setParameter("d", digest.toString()).executeUpdate();
        rules.requireUnsetOrSame(repository, tag, digest);
    }

    /** The manifest a tag or digest names. */
    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<Stored> get(String repository, String reference) {
        List<Object[]> rows;
        if (Digest.looksLikeDigest(reference)) {
            rows = em.createNativeQuery("SELECT digest, media_type, content FROM oci_manifest WHERE repository = :r AND digest = :d")
                    .setParameter("r", repository).setParameter("d", Digest.parse(reference).toString()).getResultList();
        } else if (OciPath.isTag(reference)) {
            rows = em.createNativeQuery("SELECT m.digest, m.media_type, m.content FROM oci_tag t JOIN oci_manifest m "
                            + "ON m.repository = t.repository AND m.digest = t.manifest_digest WHERE t.repository = :r AND t.tag = :t")
                    .setParameter("r", repository).setParameter("t", reference).getResultList();
        } else {
            return Optional.empty();
        }
        return rows.stream().findFirst().map(r -> new Stored(Digest.parse((String) r[0]), (String) r[1], (byte[]) r[2]));
    }

    @Transactional
    public Optional<Stored> find(String repository, Digest digest) {
        return get(repository, digest.toString());
    }

    /** Deletes a tag, or a manifest by digest (with its tags). */
    @Transactional
    public void delete(String repository, String reference) {
        int n;
        if (Digest.looksLikeDigest(reference)) {
            String d = Digest.parse(reference).toString();
            em.createNativeQuery("DELETE FROM oci_bundle_image WHERE repository = :r AND manifest_digest = :d")
                    .setParameter("r", repository).setParameter("d", d).executeUpdate();
            n = em.createNativeQuery("DELETE FROM oci_manifest WHERE repository = :r AND digest = :d")
                    .setParameter("r", repository).setParameter("d", d).executeUpdate();
        } else {
            n = em.createNativeQuery("DELETE FROM oci_tag WHERE repository = :r AND tag = :t")
                    .setParameter("r", repository).setParameter("t", reference).executeUpdate();
        }
        if (n == 0) {
            throw OciException.manifestUnknown(repository, reference);
        }
        blobs.forget(repository);
    }

    /** Tags in byte order, after {@code last}, at most {@code n}. */
    @Transactional
    @SuppressWarnings("unchecked")
    public Page tags(String repository, int n, String last) {
        List<String> rows = em.createNativeQuery("SELECT tag FROM oci_tag WHERE repository = :r AND (CAST(:last AS text) IS NULL "
                        + "OR tag COLLATE \"C\" > CAST(:last AS text) COLLATE \"C\") ORDER BY tag COLLATE \"C\" LIMIT :n")
                .setParameter("r", repository).setParameter("last", last).setParameter("n", n + 1).getResultList();
        return page(rows, n);
    }

    /** Repositories of the catalog in byte order, minus those hidden from the viewer. */
    @Transactional
    @SuppressWarnings("unchecked")
    public Page repositories(Set<String> hiddenExtensions, int n, String last) {
        String hidden = hiddenExtensions.isEmpty() ? "" : " AND r.extension_name NOT IN (:hidden)";
        var q = em.createNativeQuery("SELECT r.name FROM oci_repository r JOIN extension e ON e.name = r.extension_name "
                + "WHERE (CAST(:last AS text) IS NULL OR r.name COLLATE \"C\" > CAST(:last AS text) COLLATE \"C\")" + hidden
                + " ORDER BY r.name COLLATE \"C\" LIMIT :n")
                .setParameter("last", last).setParameter("n", n + 1);
        if (!hiddenExtensions.isEmpty()) {
            q.setParameter("hidden", hiddenExtensions);
        }
        return page(q.getResultList(), n);
    }

    private static Page page(List<String> rows, int n) {
        return rows.size() > n ? new Page(new ArrayList<>(rows.subList(0, n)), true) : new Page(rows, false);
    }

    /** Manifests whose {@code subject} is the digest, optionally of one artifact type. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Referrer> referrers(String repository, Digest subject, String artifactType) {
        List<Object[]> rows = em.createNativeQuery("SELECT media_type, digest, size, artifact_type, CAST(annotations AS text) "
                        + "FROM oci_manifest WHERE repository = :r AND subject = :s AND (CAST(:a AS text) IS NULL OR artifact_type = :a) "
                        + "ORDER BY created_at, digest")
                .setParameter("r", repository).setParameter("s", subject.toString()).setParameter("a", artifactType).getResultList();
        return rows.stream().map(r -> new Referrer((String) r[0], (String) r[1], ((Number) r[2]).longValue(), (String) r[3],
                (String) r[4])).toList();
    }
}
