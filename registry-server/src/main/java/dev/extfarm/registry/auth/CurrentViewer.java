package dev.extfarm.registry.auth;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/** The {@link Viewer} of the current JAX-RS request (authenticating lazily; a bad token → 401). */
@RequestScoped
public class CurrentViewer {

    @Inject
    SecurityIdentity identity;

    public Viewer get() {
        if (identity.isAnonymous()) {
            return Viewer.anonymous();
        }
        return identity.getPrincipal() instanceof Principal p ? Viewer.of(p) : Viewer.anonymous();
    }

    public Principal principal() {
        return get().asPrincipal().orElseThrow(() -> new UnauthorizedException());
    }
}
