package dev.extfarm.recipe.egress;

/**
 * Why the farm refuses to connect somewhere on behalf of a recipe or a webhook. Callers prefix
 * the id with what asked: {@code source-address-forbidden}, {@code webhook-address-forbidden}.
 */
public enum EgressRule {
    /** Not an http or https URL (file:, ftp:, gopher:, jar: ...), or a redirect to one, or from https to http. */
    URL_SCHEME("url-scheme"),
    /** The URL carries {@code user:password@}. */
    URL_USERINFO("url-userinfo"),
    /** No host, a host spelled so that resolvers disagree on it (0x7f.1, 2130706433, 0177.0.0.1, 127.1), an IPv6 zone. */
    URL_HOST("url-host"),
    /** The host is or resolves to an address outside the public internet (loopback, private, link-local, ...). */
    ADDRESS_FORBIDDEN("address-forbidden"),
    /** More redirects than allowed, a redirect loop, or a redirect without a usable Location. */
    REDIRECT_REFUSED("redirect-refused");

    private final String id;

    EgressRule(String id) {
        this.id = id;
    }

    /** e.g. {@code address-forbidden} */
    public String id() {
        return id;
    }

    /** e.g. {@code source-address-forbidden} for prefix {@code source} */
    public String code(String prefix) {
        return prefix + "-" + id;
    }
}
