package dev.extfarm.registry.oci;

import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.TokenService;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.serving.BlobServing;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Who is asking under {@code /v2/}, and what they may do. Credentials are the registry's own API
 * tokens, sent as {@code Authorization: Bearer <token>} or as the password of
 * {@code Authorization: Basic} (what {@code docker login}, skopeo {@code --creds} and Jib send).
 * Clients that follow the {@code WWW-Authenticate: Bearer realm=...} challenge get the same token
 * back from the token endpoint ({@link OciRoutes}); without credentials they get {@link #ANONYMOUS_TOKEN}.
 *
 * <ul>
 *   <li>read (pull, HEAD, tags, referrers): the visibility rule ({@link Visibility#canSee}); workers
 *       may also read what they publish into;</li>
 *   <li>push (uploads, mounts, manifest PUT): worker and admin tokens, into repositories of the
 *       catalog only ({@link CatalogNames}); what they may push is {@link PushRules}'s;</li>
 *   <li>delete: admin tokens.</li>
 * </ul>
 * A repository that does not exist and one the caller may not see get the same answer,
 * NAME_UNKNOWN; role checks come first and do not look at the name.
 */
@ApplicationScoped
public class OciAuth {

    /** The bearer token handed to clients that authenticate with nothing. */
    public static final String ANONYMOUS_TOKEN = "anonymous";
    static final String SERVICE = "extfarm";

    @Inject
    TokenService tokens;
    @Inject
    Visibility visibility;
    @Inject
    OciConfig config;
    @Inject
    CatalogNames names;

    /** The API token in an Authorization header, or empty for none / anonymous. */
    static Optional<String> secret(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String h = header.strip();
        int sp = h.indexOf(' ');
        String scheme = sp < 0 ? h : h.substring(0, sp);
        String value = sp < 0 ? "" : h.substring(sp + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return value.isEmpty() || value.equals(ANONYMOUS_TOKEN) ? Optional.empty() : Optional.of(value);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw unauthorized("the Basic credentials are not base64; send user:token");
            }
            int colon = decoded.indexOf(':');
            String user = colon < 0 ? decoded : decoded.substring(0, colon);
            String pass = colon < 0 ? "" : decoded.substring(colon + 1);
            String secret = pass.isEmpty() ? user : pass;
            return secret.isEmpty() ? Optional.empty() : Optional.of(secret);
        }
        throw unauthorized("unsupported authorization scheme '" + scheme + "'; send Bearer <token> or Basic user:<token>");
    }

    /** Resolves the request's credentials; without a database round trip when the token is cached. */
    Future<Viewer> viewer(RoutingContext ctx) {
        return viewer(ctx, ctx.request().getHeader("Authorization"));
    }

    /** The same, for the given Authorization header value. */
    Future<Viewer> viewer(RoutingContext ctx, String authorization) {
        Optional<String> secret;
        try {
            secret = secret(authorization);
        } catch (OciException e) {
            return Future.failedFuture(e);
        }
        if (secret.isEmpty()) {
            return Future.succeededFuture(Viewer.anonymous());
        }
        Optional<Principal> cached = tokens.cachedPrincipal(secret.get());
        if (cached.isPresent()) {
            return Future.succeededFuture(Viewer.of(cached.get()));
        }
        return ctx.vertx().executeBlocking(() -> tokens.authenticate(secret.get()).map(Viewer::of)
                .orElseThrow(() -> unauthorized("the token is unknown or revoked; ask an admin for a new one")), false);
    }

    boolean canRead(Viewer viewer, String extension) {
        return visibility.canSee(viewer, extension) || isPusher(viewer);
    }

    /** Workers and admins: they push, and may read every blob of a repository, also one no manifest uses yet. */
    static boolean isPusher(Viewer viewer) {
        return BlobServing.isPusher(viewer);
    }

    /**
     * Read access to a repository of the catalog, or NAME_UNKNOWN: a name the viewer may not see
     * and a name that does not exist get the same answer. Blocking.
     */
    void requireRead(Viewer viewer, String repository) {
        String extension = OciPath.extension(repository);
        if (!canRead(viewer, extension) || !names.exists(extension)) {
            throw OciException.nameUnknown(repository);
        }
    }

    /** The same from memory only, for the event loop: false means "ask {@link #requireRead}". */
    boolean knownReadable(Viewer viewer, String repository) {
        String extension = OciPath.extension(repository);
        return canRead(viewer, extension) && names.knownToExist(extension);
    }

    /** May the viewer push at all (worker and admin tokens)? Answered from the token alone, before the name is looked at. */
    void requirePushRole(Viewer viewer, String repository) {
        if (viewer.asPrincipal().isEmpty()) {
            throw unauthorized("pushing to " + repository + " needs a worker or admin token (docker login -u <any> -p <token>)");
        }
        if (!isPusher(viewer)) {
            throw new OciException(OciError.DENIED, "a " + viewer.principal().role().id()
                    + " token may not push; pushing needs a worker or admin token").detail("name", repository);
        }
    }

    /** Push access to a repository of the catalog: the role, then the name (NAME_UNKNOWN outside the catalog). Blocking. */
    void requirePush(Viewer viewer, String repository) {
        requirePushRole(viewer, repository);
        requireRead(viewer, repository);
    }

    /** May the viewer delete at all (admin tokens)? From the token alone. */
    void requireDeleteRole(Viewer viewer, String repository) {
        if (viewer.asPrincipal().isEmpty()) {
            throw unauthorized("deleting from " + repository + " needs an admin token");
        }
        if (!viewer.isAdmin()) {
            throw new OciException(OciError.DENIED, "only admin tokens may delete from " + repository).detail("name", repository);
        }
    }

    static OciException unauthorized(String message) {
        return new OciException(OciError.UNAUTHORIZED, message);
    }

    /** The {@code WWW-Authenticate} challenge of a 401. */
    String challenge(RoutingContext ctx, OciPath path) {
        StringBuilder c = new StringBuilder("Bearer realm=\"").append(realm(ctx.request())).append("\",service=\"")
                .append(SERVICE).append('"');
        if (path != null && path.repository() != null) {
            boolean write = switch (ctx.request().method().name()) {
                case "GET", "HEAD" -> false;
                default -> true;
            };
            c.append(",scope=\"repository:").append(path.repository()).append(write ? ":pull,push" : ":pull").append('"');
        }
        return c.toString();
    }

    private String realm(HttpServerRequest req) {
        return config.tokenRealm().orElseGet(() -> req.scheme() + "://" + req.host() + "/v2/token");
    }
}
