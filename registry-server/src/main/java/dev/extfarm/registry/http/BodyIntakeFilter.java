package dev.extfarm.registry.http;

import dev.extfarm.registry.auth.Principal;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Gives every JAX-RS endpoint its request body already received ({@link BodyIntake}): runs on the
 * event loop after the security checks (a refused caller's body is never read) and before the
 * request goes to a worker thread, which then reads the body from memory or disk.
 */
public class BodyIntakeFilter {

    @Inject
    BodyIntake intake;
    @Inject
    HttpLimits limits;
    @Inject
    CurrentIdentityAssociation identity;

    private final ConcurrentHashMap<Method, Long> ownLimits = new ConcurrentHashMap<>();

    @ServerRequestFilter(nonBlocking = true)
    public Uni<Void> receiveBody(ContainerRequestContext request, RoutingContext ctx, ResourceInfo resource) {
        if (!BodyIntake.hasBody(ctx.request())) {
            return Uni.createFrom().voidItem();
        }
        Method method = resource.getResourceMethod();
        Long own = method == null ? null : ownLimits.computeIfAbsent(method, BodyIntakeFilter::ownLimit);
        long limit = own == null || own < 0 ? limits.maxDocumentSize() : own;
        BodyIntake.Overflow overflow = own == null || own < 0 ? BodyIntake.Overflow.REFUSE : BodyIntake.Overflow.ENDPOINT;
        return identity.getDeferredIdentity()
                .map(id -> id.getPrincipal() instanceof Principal p ? "token:" + p.tokenId()
                        : "anonymous:" + ctx.request().remoteAddress().hostAddress())
                .chain(caller -> Uni.createFrom().completionStage(() -> intake.receive(ctx, caller, limit, overflow).toCompletionStage()))
                .invoke(body -> request.setEntityStream(body.open()))
                .replaceWithVoid();
    }

    /** The limit a method enforces itself (from {@link OwnBodyLimit}'s property), or -1. */
    private static Long ownLimit(Method method) {
        OwnBodyLimit own = method.getAnnotation(OwnBodyLimit.class);
        return own == null ? -1L : ConfigProvider.getConfig().getValue(own.value(), Long.class);
    }
}
