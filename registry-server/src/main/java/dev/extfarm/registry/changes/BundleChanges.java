package dev.extfarm.registry.changes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.registry.builds.Build;
import dev.extfarm.registry.catalog.BundleEntry;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * What changed since the previous bundle: for a build's bundle, the previous one is the last bundle
 * of the same extension, PG major and platform published before it (by the queue or the upload
 * API) that was not rejected; none makes it the first build. The difference is computed from the
 * two stored manifests (verified on upload) and SBOMs the first time it is asked for, then kept in
 * {@code bundle_change}: a page view reads one row, and nothing is computed for bundles no one
 * looks at.
 */
@ApplicationScoped
public class BundleChanges {

    @Inject
    EntityManager em;
    @Inject
    SbomLibraries sbom;
    @Inject
    ObjectMapper json;

    /** The changes of a build the caller may see (the caller checks); 404 {@code changes-not-found} without a bundle. */
    @Transactional
    public BuildChanges of(Build build) {
        BundleEntry bundle = build.bundleSha256 == null ? null : BundleEntry.findById(build.bundleSha256);
        if (bundle == null) {
            throw ExtfarmException.notFound("changes-not-found", "build " + build.id + " published no bundle (status "
                    + build.status + "); only a build with a bundle has changes since the previous one");
        }
        Optional<BundleEntry> previous = previous(bundle);
        if (previous.isEmpty()) {
            return new BuildChanges(build.id, side(bundle), null, true, null);
        }
        BundleEntry before = previous.get();
        BuildChanges.Diff diff = kept(bundle, before).orElseGet(() -> keep(bundle, before, compute(before, bundle)));
        return new BuildChanges(build.id, side(bundle), side(before), false, diff);
    }

    private Optional<BundleEntry> previous(BundleEntry bundle) {
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery("SELECT p.sha256 FROM bundle p, bundle b WHERE b.sha256 = :s "
                        + "AND p.extension_name = b.extension_name AND p.pg_major = b.pg_major AND p.platform = b.platform "
                        + "AND p.review_state <> 'rejected' AND (p.created_at, p.sha256) < (b.created_at, b.sha256) "
                        + "ORDER BY p.created_at DESC, p.sha256 DESC LIMIT 1")
                .setParameter("s", bundle.sha256).getResultList();
        return rows.stream().findFirst().map(sha -> BundleEntry.findById(sha));
    }

    private BuildChanges.Bundle side(BundleEntry b) {
        @SuppressWarnings("unchecked")
        List<Number> builds = em.createNativeQuery("SELECT min(id) FROM build WHERE bundle_sha256 = :s AND status = 'succeeded' "
                + "AND reason <> 'reproducibility'").setParameter("s", b.sha256).getResultList();
        Number build = builds.isEmpty() ? null : builds.get(0);
        return new BuildChanges.Bundle(b.sha256, b.version, b.size, b.createdAt == null ? null : b.createdAt.toInstant(),
                build == null ? null : build.longValue());
    }

    private BuildChanges.Diff compute(BundleEntry before, BundleEntry after) {
        try {
            return BundleDiff.between(side(before, BundleManifest.parse(before.manifest)), side(after, BundleManifest.parse(after.manifest)));
        } catch (UncheckedIOException e) {
            throw new ExtfarmException(ExtfarmException.Kind.UNAVAILABLE, "storage-unavailable", "Storage unavailable",
                    e.getMessage() + "; ask again later").with("retry_after", 10);
        }
    }

    private BundleDiff.Side side(BundleEntry b, BundleManifest m) {
        return new BundleDiff.Side(m, b.size, sbom.of(b.address(), m));
    }

    private Optional<BuildChanges.Diff> kept(BundleEntry bundle, BundleEntry previous) {
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery("SELECT changes::text FROM bundle_change WHERE sha256 = :s AND previous_sha256 = :p")
                .setParameter("s", bundle.sha256).setParameter("p", previous.sha256).getResultList();
        return rows.stream().findFirst().map(text -> {
            try {
                return json.readValue(text, BuildChanges.Diff.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("bundle_change of " + bundle.sha256 + " is not a diff: " + e.getMessage(), e);
            }
        });
    }

    private BuildChanges.Diff keep(BundleEntry bundle, BundleEntry previous, BuildChanges.Diff diff) {
        try {
            em.createNativeQuery("INSERT INTO bundle_change (sha256, previous_sha256, changes) VALUES (:s, :p, cast(:c AS jsonb)) "
                            + "ON CONFLICT DO NOTHING")
                    .setParameter("s", bundle.sha256).setParameter("p", previous.sha256).setParameter("c", json.writeValueAsString(diff))
                    .executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the diff of " + bundle.sha256, e);
        }
        return diff;
    }
}
