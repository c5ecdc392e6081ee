package dev.extfarm.registry.serving;

import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.Role;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.links.LinkSigner;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;

/**
 * THE decision of every path that serves stored bytes: the bundle routes of the main port
 * ({@code /extensions/...}), the bundle edge (its second port) and the OCI blob endpoint
 * ({@code /v2/<name>/blobs/<digest>}). It answers two questions, and the transports only write
 * the bytes it allows:
 * <ol>
 *   <li>may this caller have the bytes, and how may they be cached ({@link Access})? Empty means
 *       "they do not exist for you": the transport answers as for a blob that is not there (404,
 *       never 403, so a hidden name cannot be told from an absent one);</li>
 *   <li>which bytes, with which status ({@link #answer}): 304, 200 whole, 206 one range, 416.</li>
 * </ol>
 */
@ApplicationScoped
public class BlobServing {

    /** How bytes the caller may have go out. */
    public enum Access {
        /** Everyone may have them: cacheable by shared caches. */
        PUBLIC,
        /** For this caller only ({@code Cache-Control: private}). */
        PRIVATE,
        /** For the holder of a valid signed link: private; a remote store may answer it with a redirect. */
        LINK;

        public boolean isPrivate() {
            return this != PUBLIC;
        }
    }

    /**
     * The query parameters of a signed link as a request carries them ({@code tenant}, {@code exp},
     * {@code sig}); any may be missing.
     */
    public record SignedLink(String tenant, String exp, String sig) {
        /** The link of a request, or null when it carries none of the three parameters. */
        public static SignedLink of(String tenant, String exp, String sig) {
            return tenant == null && exp == null && sig == null ? null : new SignedLink(tenant, exp, sig);
        }
    }

    @Inject
    Visibility visibility;
    @Inject
    LinkSigner links;

    /** Whether the extension's bytes go to anyone, asked nothing: the edge serves these alone. */
    public boolean isPublic(String extension) {
        return !visibility.isPrivate(extension);
    }

    /**
     * A file of a bundle of {@code extension} ({@code bundle.tar}, a control file, the signature).
     * Public: everyone. Private: the holder of a valid signed link for this method and path (when a
     * link is sent, it alone decides: a bad one is refused even for someone who could see the bundle),
     * else whoever {@link Visibility#canSee} lets see it; for anyone else it does not exist.
     *
     * @param path      the decoded request path the link was signed for
     * @param principal the caller's token, null for none
     * @throws ExtfarmException 403 {@code link-expired}, {@code link-invalid}, {@code link-other-tenant},
     *                          {@code link-revoked} for a link that does not (or no longer) open the bundle
     */
    public Optional<Access> bundle(String extension, String method, String path, SignedLink link, Principal principal,
            Instant now) {
        if (isPublic(extension)) {
            return Optional.of(Access.PUBLIC);
        }
        if (link != null) {
            var verdict = links.verify(method, path, link.tenant(), link.exp(), link.sig(), now);
            if (verdict == LinkSigner.Verdict.EXPIRED) {
                throw ExtfarmException.forbidden("link-expired", "this link has expired; fetch a fresh compute spec "
                        + "(GET /api/v1/compute/spec) for a new one");
            }
            if (verdict != LinkSigner.Verdict.VALID) {
                throw ExtfarmException.forbidden("link-invalid", "this link's signature does not match; use the link "
                        + "exactly as the compute spec gave it");
            }
            if (principal != null && principal.role() == Role.COMPUTE && !link.tenant().equals(principal.tenantName())) {
                throw ExtfarmException.forbidden("link-other-tenant", "this link was issued to another tenant; "
                        + "use the links of your own compute spec");
            }
            if (!visibility.tenantMayUse(link.tenant(), extension)) {
                throw ExtfarmException.forbidden("link-revoked", "tenant '" + link.tenant() + "' may no longer use '"
                        + extension + "'; ask an admin to grant it again");
            }
            return Optional.of(Access.LINK);
        }
        if (principal != null && visibility.canSee(Viewer.of(principal), extension)) {
            return Optional.of(Access.PRIVATE);
        }
        return Optional.empty();
    }

    /**
     * A blob of an OCI repository whose extension is {@code repositoryExtension}, owned by
     * {@code owner} (the extension of the bundle it is, or of the manifest that references it; null:
     * bytes a pusher uploaded that no manifest uses yet). Readers of the owner may read it, and
     * pushers ({@link #isPusher}) every blob: a push client asks for blobs (HEAD) before it uploads
     * them. Private (not shared-cacheable) when the owner or the repository is private, or there is no owner.
     */
    public Optional<Access> ociBlob(Viewer viewer, String owner, String repositoryExtension) {
        boolean mayRead = owner == null ? isPusher(viewer) : visibility.canSee(viewer, owner) || isPusher(viewer);
        if (!mayRead) {
            return Optional.empty();
        }
        boolean isPrivate = owner == null || visibility.isPrivate(owner) || visibility.isPrivate(repositoryExtension);
        return Optional.of(isPrivate ? Access.PRIVATE : Access.PUBLIC);
    }

    /** Workers and admins: they push, and may read every blob of an OCI repository, also one no manifest uses yet. */
    public static boolean isPusher(Viewer viewer) {
        return viewer.is(Role.WORKER) || viewer.isAdmin();
    }

    /**
     * Which bytes of a {@code size}-byte blob with entity tag {@code etag} a GET or HEAD gets
     * (RFC 9110 §13, §14): {@code If-None-Match} matching (weakly, {@code *} too) is 304; an
     * {@code If-Range} that is not the entity tag (strong comparison; dates never match: there is no
     * Last-Modified) means the whole body; otherwise {@code Range} as {@link RangeAnswer#of} reads it.
     */
    public static RangeAnswer answer(long size, String etag, String ifNoneMatch, String range, String ifRange) {
        if (matches(ifNoneMatch, etag)) {
            return RangeAnswer.notModified(size);
        }
        if (ifRange != null && !ifRange.strip().equals(etag)) {
            return RangeAnswer.whole(size);
        }
        return RangeAnswer.of(range, size);
    }

    /** Whether an {@code If-None-Match} list names the entity tag (weak comparison) or is {@code *}. */
    public static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String s = tag.strip();
            if (s.startsWith("W/")) {
                s = s.substring(2);
            }
            if (s.equals("*") || s.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
