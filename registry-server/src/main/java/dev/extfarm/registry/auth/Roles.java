package dev.extfarm.registry.auth;

/** Role names for {@code @RolesAllowed}: e.g. {@code @RolesAllowed({Roles.WORKER, Roles.ADMIN})}. */
public final class Roles {
    public static final String ADMIN = "admin";
    public static final String MAINTAINER = "maintainer";
    public static final String WORKER = "worker";
    public static final String COMPUTE = "compute";

    private Roles() {
    }
}
