package dev.extfarm.registry.auth;

import java.util.Arrays;
import java.util.Optional;

/** What a token may do. Use {@link Roles} constants in {@code @RolesAllowed}. */
public enum Role {
    ADMIN(Roles.ADMIN, "efa_"),
    MAINTAINER(Roles.MAINTAINER, "efm_"),
    WORKER(Roles.WORKER, "efw_"),
    COMPUTE(Roles.COMPUTE, "efc_");

    private final String id;
    private final String tokenPrefix;

    Role(String id, String tokenPrefix) {
        this.id = id;
        this.tokenPrefix = tokenPrefix;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    /** Tokens start with it, so a leaked token says what it is (and secret scanners can match it). */
    public String tokenPrefix() {
        return tokenPrefix;
    }

    public static Optional<Role> parse(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }
}
