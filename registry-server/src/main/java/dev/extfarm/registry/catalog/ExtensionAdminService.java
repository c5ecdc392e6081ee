package dev.extfarm.registry.catalog;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.auth.ApiToken;
import dev.extfarm.registry.auth.Role;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.List;

/** What admins change about extensions: visibility, owners, review. */
@ApplicationScoped
public class ExtensionAdminService {

    @Inject
    EntityManager em;
    @Inject
    Event<VisibilityChanged> changed;

    public record VisibilityView(String name, String visibility, OffsetDateTime firstPublicAt) {
    }

    /**
     * Makes an extension private (reserving the name if it has no bundle yet) or public. Private is
     * refused once a bundle was accepted while public: those bytes may be in caches forever.
     */
    @Transactional
    public VisibilityView setVisibility(String name, String visibility) {
        requireName(name);
        if (!Extension.PUBLIC.equals(visibility) && !Extension.PRIVATE.equals(visibility)) {
            throw ExtfarmException.invalid("invalid-visibility", "visibility must be \"public\" or \"private\", was \"" + visibility + "\"");
        }
        em.createNativeQuery("INSERT INTO extension (name) VALUES (:n) ON CONFLICT DO NOTHING").setParameter("n", name).executeUpdate();
        Extension e = em.find(Extension.class, name, LockModeType.PESSIMISTIC_WRITE);
        if (Extension.PRIVATE.equals(visibility) && !e.isPrivate() && e.firstPublicAt != null) {
            throw ExtfarmException.conflict("already-public", "'" + name + "' has been public since " + e.firstPublicAt
                    + "; its bundles may be cached anywhere, so it cannot be made private. Publish the private "
                    + "variant under a new name, made private before its first upload");
        }
        if (!visibility.equals(e.visibility)) {
            e.visibility = visibility;
            if (Extension.PUBLIC.equals(visibility) && e.firstPublicAt == null && BundleEntry.count("extensionName", name) > 0) {
                e.firstPublicAt = OffsetDateTime.now();
            }
            changed.fire(new VisibilityChanged("visibility of " + name));
        }
        return new VisibilityView(e.name, e.visibility, e.firstPublicAt);
    }

    /** A maintainer token owns the extension (sees it when private; the build queue checks it for recipes). */
    @Transactional
    public void addOwner(String name, long tokenId) {
        requireName(name);
        ApiToken t = ApiToken.<ApiToken>findByIdOptional(tokenId).filter(x -> x.revokedAt == null)
                .orElseThrow(() -> ExtfarmException.notFound("token-not-found", "no active token with id " + tokenId
                        + "; list them with GET /api/v1/admin/tokens"));
        if (!Role.MAINTAINER.id().equals(t.role)) {
            throw ExtfarmException.invalid("not-a-maintainer", "token " + tokenId + " is a " + t.role
                    + " token; only maintainer tokens own extensions");
        }
        em.createNativeQuery("INSERT INTO extension (name) VALUES (:n) ON CONFLICT DO NOTHING").setParameter("n", name).executeUpdate();
        em.createNativeQuery("INSERT INTO extension_owner (extension_name, token_id) VALUES (:n, :t) ON CONFLICT DO NOTHING")
                .setParameter("n", name).setParameter("t", tokenId).executeUpdate();
        changed.fire(new VisibilityChanged("owner of " + name));
    }

    @Transactional
    public void removeOwner(String name, long tokenId) {
        em.createNativeQuery("DELETE FROM extension_owner WHERE extension_name = :n AND token_id = :t")
                .setParameter("n", name).setParameter("t", tokenId).executeUpdate();
        changed.fire(new VisibilityChanged("owner of " + name));
    }

    /** Sets the review state of every bundle of one version; returns how many bundles changed. */
    @Transactional
    public int review(String name, String version, ReviewState state) {
        List<BundleEntry> bundles = BundleEntry.list("extensionName = ?1 and version = ?2", name, version);
        if (bundles.isEmpty()) {
            throw ExtfarmException.notFound("version-not-found", "no bundles of " + name + " " + version
                    + "; see GET /api/v1/admin/reviews for versions waiting for review");
        }
        int n = 0;
        for (BundleEntry b : bundles) {
            if (b.review() != state) {
                b.reviewState = state.id();
                b.reviewedAt = OffsetDateTime.now();
                n++;
            }
        }
        return n;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<BundleEntry> pending() {
        return BundleEntry.list("reviewState = ?1 order by createdAt", ReviewState.PENDING_REVIEW.id());
    }

    static void requireName(String name) {
        if (!BundleAddress.isValidName(name)) {
            throw ExtfarmException.invalid("invalid-name", "extension name '" + name + "' must match " + BundleAddress.NAME_RULE);
        }
    }
}
