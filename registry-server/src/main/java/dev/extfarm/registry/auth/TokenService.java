package dev.extfarm.registry.auth;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues, checks and revokes tokens. A token is {@code <role prefix>} + 32 random bytes in
 * base64url; the database keeps its sha-256 only. Checks are cached for {@link #CACHE_MILLIS}
 * (a revocation reaches other replicas within that time).
 */
@ApplicationScoped
public class TokenService {

    public static final long CACHE_MILLIS = 30_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A token as shown once, at creation. */
    public record IssuedToken(long id, Role role, String label, String tenant, String token) {
    }

    /** A token as listed (never the secret). */
    public record TokenView(long id, Role role, String label, String tenant, OffsetDateTime createdAt,
                            OffsetDateTime revokedAt) {
    }

    private record Cached(Principal principal, long until) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public static String newSecret(Role role) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return role.tokenPrefix() + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static String hash(String token) {
        return Digests.sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    @Transactional
    public IssuedToken issue(Role role, String label, String tenantName) {
        if (label == null || label.isBlank() || label.length() > 200) {
            throw ExtfarmException.invalid("invalid-token-request", "give the token a label of 1..200 characters, e.g. \"worker on build-01\"");
        }
        Tenant tenant = null;
        if (role == Role.COMPUTE && tenantName == null) {
            throw ExtfarmException.invalid("invalid-token-request", "a compute token belongs to one tenant: set \"tenant\"");
        }
        if ((role == Role.ADMIN || role == Role.WORKER) && tenantName != null) {
            throw ExtfarmException.invalid("invalid-token-request", role.id() + " tokens are farm-wide: leave \"tenant\" out");
        }
        if (tenantName != null) {
            tenant = Tenant.findByName(tenantName).orElseThrow(() -> ExtfarmException.notFound("tenant-not-found",
                    "no tenant '" + tenantName + "'; create it first with POST /api/v1/admin/tenants"));
        }
        String secret = newSecret(role);
        ApiToken t = new ApiToken();
        t.tokenSha256 = hash(secret);
        t.role = role.id();
        t.label = label.strip();
        t.tenantId = tenant == null ? null : tenant.id;
        t.persist();
        return new IssuedToken(t.id, role, t.label, tenantName, secret);
    }

    /** Registers a token chosen by the operator (EXTFARM_ADMIN_TOKEN); no-op if present. */
    @Transactional
    public void ensure(String secret, Role role, String label) {
        if (ApiToken.findActiveByHash(hash(secret)).isEmpty()) {
            ApiToken t = new ApiToken();
            t.tokenSha256 = hash(secret);
            t.role = role.id();
            t.label = label;
            t.persist();
        }
    }

    /** The principal of an active token; may hit the database (call off the event loop on a miss). */
    public Optional<Principal> authenticate(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 512) {
            return Optional.empty();
        }
        String h = hash(secret);
        Optional<Principal> cached = cached(h);
        if (cached.isPresent()) {
            return cached;
        }
        Optional<Principal> p = load(h);
        p.ifPresent(x -> cache.put(h, new Cached(x, System.currentTimeMillis() + CACHE_MILLIS)));
        return p;
    }

    /** The cached principal of a token, without touching the database. */
    public Optional<Principal> cachedPrincipal(String secret) {
        return secret == null ? Optional.empty() : cached(hash(secret));
    }

    private Optional<Principal> cached(String h) {
        Cached c = cache.get(h);
        if (c != null && c.until > System.currentTimeMillis()) {
            return Optional.of(c.principal);
        }
        return Optional.empty();
    }

    @Transactional
    Optional<Principal> load(String h) {
        return ApiToken.findActiveByHash(h).map(t -> {
            String tenantName = t.tenantId == null ? null : Tenant.<Tenant>findByIdOptional(t.tenantId).map(x -> x.name).orElse(null);
            return new Principal(t.id, Role.parse(t.role).orElseThrow(), t.label, t.tenantId, tenantName);
        });
    }

    @Transactional
    public List<TokenView> list() {
        List<ApiToken> all = ApiToken.listAll();
        return all.stream().sorted((a, b) -> Long.compare(a.id, b.id)).map(t -> new TokenView(t.id, Role.parse(t.role).orElseThrow(), t.label,
                t.tenantId == null ? null : Tenant.<Tenant>findByIdOptional(t.tenantId).map(x -> x.name).orElse(null),
                t.createdAt, t.revokedAt)).toList();
    }

    @Transactional
    public void revoke(long id) {
        ApiToken t = ApiToken.<ApiToken>findByIdOptional(id).orElseThrow(() -> ExtfarmException.notFound("token-not-found",
                "no token with id " + id + "; list them with GET /api/v1/admin/tokens"));
        if (t.revokedAt == null) {
            t.revokedAt = OffsetDateTime.now();
        }
        cache.values().removeIf(c -> c.principal.tokenId() == id);
    }

    @Transactional
    public boolean anyActiveAdmin() {
        return ApiToken.count("role = ?1 and revokedAt is null", Role.ADMIN.id()) > 0;
    }
}
