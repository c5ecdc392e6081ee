package dev.extfarm.registry.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Turns a bearer token into an identity with one role ({@link Roles}) and a {@link Principal}. */
@ApplicationScoped
public class TokenIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    @Inject
    TokenService tokens;

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        String secret = request.getToken().getToken();
        var cached = tokens.cachedPrincipal(secret);
        if (cached.isPresent()) {
            return Uni.createFrom().item(identity(cached.get()));
        }
        return context.runBlocking(() -> tokens.authenticate(secret).map(TokenIdentityProvider::identity)
                .orElseThrow(() -> new AuthenticationFailedException("unknown or revoked token")));
    }

    static SecurityIdentity identity(Principal p) {
        return QuarkusSecurityIdentity.builder().setPrincipal(p).addRole(p.role().id()).build();
    }
}
