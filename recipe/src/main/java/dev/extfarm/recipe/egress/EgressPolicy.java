package dev.extfarm.recipe.egress;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the farm may connect on behalf of someone else: a recipe's source URL, a maintainer's
 * webhook. Only {@code http} and {@code https} URLs, to public addresses: every address a host
 * name resolves to is checked ({@link AddressRanges}: loopback, private, link-local, CGNAT,
 * unique-local, multicast, broadcast, reserved, unspecified, and IPv6 forms carrying such an IPv4
 * address), and one forbidden address refuses the host. The operator's {@link AllowList} opens
 * exceptions. {@link EgressHttpClient} connects only to the addresses this policy returned, so
 * a second DNS answer (rebinding) never reaches the socket.
 *
 * <pre>{@code
 * EgressPolicy sources = EgressPolicy.publicOnly("EXTFARM_SOURCE_ALLOW")
 *         .withAllowList(AllowList.parse(System.getenv("EXTFARM_SOURCE_ALLOW")));
 * sources.check(URI.create("http://169.254.169.254/latest/meta-data/"));
 * // EgressRefusedException: address-forbidden: 169.254.169.254 is a link-local address (169.254.0.0/16) ...
 * }</pre>
 */
public final class EgressPolicy {

    /** Name resolution, replaceable in tests (a DNS server that changes its answer). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final AllowList allow;
    private final String allowSetting;
    private final Resolver resolver;

    private EgressPolicy(AllowList allow, String allowSetting, Resolver resolver) {
        this.allow = Objects.requireNonNull(allow);
        this.allowSetting = Objects.requireNonNull(allowSetting);
        this.resolver = Objects.requireNonNull(resolver);
    }

    /**
     * Public addresses only.
     *
     * @param allowSetting the setting an operator uses to allow more (named in refusals), e.g. {@code EXTFARM_SOURCE_ALLOW}
     */
    public static EgressPolicy publicOnly(String allowSetting) {
        return new EgressPolicy(AllowList.empty(), allowSetting, InetAddress::getAllByName);
    }

    public EgressPolicy withAllowList(AllowList list) {
        return new EgressPolicy(list, allowSetting, resolver);
    }

    public EgressPolicy withResolver(Resolver r) {
        return new EgressPolicy(allow, allowSetting, r);
    }

    /**
     * Trusts one origin the operator configured (a Debian mirror): its host and port are allowed
     * whatever they resolve to. Redirects away from it are checked as usual.
     */
    public EgressPolicy trustingOrigin(URI origin) {
        String host = bare(origin.getHost());
        String entry = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return withAllowList(allow.plus(entry + ":" + port(origin)));
    }

    public AllowList allowList() {
        return allow;
    }

    /**
     * The URL rules that need no lookup: http or https, a host spelled canonically, no user info.
     *
     * @throws EgressRefusedException {@code url-scheme}, {@code url-userinfo} or {@code url-host}
     */
    public static void checkUrl(URI url) throws EgressRefusedException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new EgressRefusedException(EgressRule.URL_SCHEME, "'" + url + "' is not an https or http URL; the farm fetches "
                    + "nothing else (a local file belongs in a source mirror set up by the farm's operator)");
        }
        if (url.getRawUserInfo() != null) {
            throw new EgressRefusedException(EgressRule.URL_USERINFO, "'" + url + "' carries user info (user@ or user:password@); "
                    + "credentials do not belong in a URL the farm fetches");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new EgressRefusedException(EgressRule.URL_HOST, "'" + url + "' has no host that the farm can check (write the "
                    + "host in ASCII: punycode for international names, no %-escapes)");
        }
        checkHostSpelling(bare(url.getHost()));
    }

    /**
     * {@link #checkUrl} and {@link #resolve} for the URL's host and port.
     *
     * @return the addresses a connection may use
     * @throws UnknownHostException when the name does not resolve (a refusal is an {@link EgressRefusedException})
     */
    public List<InetAddress> check(URI url) throws EgressRefusedException, UnknownHostException {
        checkUrl(url);
        return resolve(bare(url.getHost()), port(url));
    }

    /**
     * Every address of {@code host}, each checked; refused when one of them is forbidden. An IP
     * literal is checked without a lookup; {@code localhost} and {@code *.localhost} are loopback
     * without a lookup (RFC 6761); a name on the allow list is not checked.
     *
     * @param port the port the connection will use (allow-list entries may name one); -1 when unknown
     */
    public List<InetAddress> resolve(String host, int port) throws EgressRefusedException, UnknownHostException {
        String h = bare(host);
        checkHostSpelling(h);
        Optional<InetAddress> literal = IpLiterals.parse(h);
        if (literal.isPresent()) {
            checkAddress(literal.get(), port, null);
            return List.of(literal.get());
        }
        String name = IpLiterals.normalName(h);
        if (allow.allowsName(name, port)) {
            return List.of(resolver.resolve(h));
        }
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            throw new EgressRefusedException(EgressRule.ADDRESS_FORBIDDEN, host + " is a loopback name (RFC 6761); "
                    + "the farm connects only to public addresses" + hint(host, port));
        }
        InetAddress[] addresses = resolver.resolve(h);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host + ": no address");
        }
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : addresses) {
            checkAddress(a, port, host);
            out.add(a);
        }
        return List.copyOf(out);
    }

    /** Empty when the farm may connect to {@code address} on {@code port}; otherwise why not. */
    public Optional<String> whyForbidden(InetAddress address, int port) {
        if (allow.allows(address, port)) {
            return Optional.empty();
        }
        return AddressRanges.forbidden(address).map(AddressRanges.Verdict::describe);
    }

    private void checkAddress(InetAddress a, int port, String name) throws EgressRefusedException {
        if (allow.allows(a, port)) {
            return;
        }
        Optional<AddressRanges.Verdict> verdict = AddressRanges.forbidden(a);
        if (verdict.isPresent()) {
            String subject = name == null ? verdict.get().describe() : name + " resolves to " + verdict.get().apposition();
            throw new EgressRefusedException(EgressRule.ADDRESS_FORBIDDEN, subject + "; the farm connects only to public addresses"
                    + hint(a.getHostAddress().indexOf(':') >= 0 ? "[" + a.getHostAddress() + "]" : a.getHostAddress(), port));
        }
    }

    private String hint(String host, int port) {
        return " (the farm's operator can allow it: " + allowSetting + "=" + host + (port > 0 ? ":" + port : "") + ")";
    }

    private static void checkHostSpelling(String host) throws EgressRefusedException {
        if (host.indexOf('%') >= 0) {
            throw new EgressRefusedException(EgressRule.URL_HOST, "host '" + host + "': an IPv6 zone or a %-escape is not allowed");
        }
        if (host.indexOf(':') >= 0) {
            if (IpLiterals.parse(host).isEmpty()) {
                throw new EgressRefusedException(EgressRule.URL_HOST, "host '" + host + "' is not an IPv6 address");
            }
            return;
        }
        if (IpLiterals.looksNumeric(host) && !IpLiterals.isCanonicalIpv4(host)) {
            throw new EgressRefusedException(EgressRule.URL_HOST, "host '" + host + "' reads as an IPv4 address in a spelling that "
                    + "resolvers disagree on (decimal, octal or hex parts, fewer than four parts, a trailing dot): "
                    + "write the address as four decimal numbers, like 192.0.2.7, or use a host name");
        }
    }

    /** Without the brackets of an IPv6 literal in a URL. */
    private static String bare(String host) {
        return host != null && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The URL's port, or its scheme's. */
    public static int port(URI url) {
        if (url.getPort() >= 0) {
            return url.getPort();
        }
        return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    @Override
    public String toString() {
        return "public addresses" + (allow.isEmpty() ? "" : " and " + allow);
    }
}
