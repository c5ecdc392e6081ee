package dev.extfarm.registry.auth;

/**
 * Who a valid token belongs to.
 *
 * @param tokenId    {@code api_token.id}; maintainers own extensions through it
 * @param tenantId   the tenant of a compute token, or of a tenant-scoped maintainer; else null
 * @param tenantName that tenant's name, or null
 */
public record Principal(long tokenId, Role role, String label, Long tenantId, String tenantName)
        implements java.security.Principal {

    @Override
    public String getName() {
        return role.id() + ":" + tokenId;
    }
}
