package dev.extfarm.registry.auth;

import java.util.Optional;

/**
 * Whoever is asking: a {@link Principal} or nobody. Every listing passes it to
 * {@code catalog.Visibility}; get the current one from {@link CurrentViewer}.
 */
public record Viewer(Principal principal) {

    private static final Viewer ANONYMOUS = new Viewer(null);

    public static Viewer anonymous() {
        return ANONYMOUS;
    }

    public static Viewer of(Principal p) {
        return p == null ? ANONYMOUS : new Viewer(p);
    }

    public Optional<Principal> asPrincipal() {
        return Optional.ofNullable(principal);
    }

    public boolean is(Role role) {
        return principal != null && principal.role() == role;
    }

    public boolean isAdmin() {
        return is(Role.ADMIN);
    }

    public Long tenantId() {
        return principal == null ? null : principal.tenantId();
    }

    public Long tokenId() {
        return principal == null ? null : principal.tokenId();
    }
}
