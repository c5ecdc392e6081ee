package dev.extfarm.recipe.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The address blocks the farm never connects to unless its operator allows them: everything the
 * IANA special-purpose registries mark as not globally reachable, for IPv4 and IPv6. IPv6 forms
 * that carry an IPv4 address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) are judged by the IPv4 address they carry. IPv6 outside global unicast
 * (2000::/3) is refused as a whole, so a block missing from this list errs on the safe side.
 */
final class AddressRanges {

    /** A forbidden block and what it is, e.g. {@code 127.0.0.0/8}, {@code loopback}. */
    record Range(Cidr block, String kind, String where) {
        Range(String block, String kind) {
            this(Cidr.parse(block), kind, block);
        }
    }

    /** Why an address is refused: its block, and for an IPv6 form the IPv4 address it carries. */
    record Verdict(InetAddress address, Range range, Optional<InetAddress> embedded) {
        /** {@code 127.0.0.1 is a loopback address (127.0.0.0/8)} */
        String describe() {
            String a = address.getHostAddress();
            return embedded.isPresent() ? a + " carries " + what() : a + " is " + what();
        }

        /** {@code 127.0.0.1, a loopback address (127.0.0.0/8)}, to follow "resolves to" */
        String apposition() {
            String a = address.getHostAddress();
            return embedded.isPresent() ? a + ", which carries " + what() : a + ", " + what();
        }

        private String what() {
            String kind = article(range.kind()) + " address (" + range.where() + ")";
            return embedded.map(e -> e.getHostAddress() + ", " + kind).orElse(kind);
        }

        private static String article(String kind) {
            return ("aeiou".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ") + kind;
        }
    }

    // Most specific first: the first match names the range.
    private static final List<Range> IPV4 = List.of(
            new Range("0.0.0.0/32", "unspecified"),
            new Range("255.255.255.255/32", "broadcast"),
            new Range("0.0.0.0/8", "reserved (\"this network\")"),
            new Range("10.0.0.0/8", "private"),
            new Range("100.64.0.0/10", "shared (CGNAT)"),
            new Range("127.0.0.0/8", "loopback"),
            new Range("169.254.0.0/16", "link-local"),
            new Range("172.16.0.0/12", "private"),
            new Range("192.0.0.0/24", "reserved (IETF protocol assignments)"),
            new Range("192.0.2.0/24", "reserved (documentation)"),
            new Range("192.88.99.0/24", "reserved (6to4 relay anycast)"),
            new Range("192.168.0.0/16", "private"),
            new Range("198.18.0.0/15", "reserved (benchmarking)"),
            new Range("198.51.100.0/24", "reserved (documentation)"),
            new Range("203.0.113.0/24", "reserved (documentation)"),
            new Range("224.0.0.0/4", "multicast"),
            new Range("240.0.0.0/4", "reserved"));

    private static final List<Range> IPV6 = List.of(
            new Range("::/128", "unspecified"),
            new Range("::1/128", "loopback"),
            new Range("64:ff9b:1::/48", "private (local-use NAT64)"),
            new Range("100::/64", "reserved (discard-only)"),
            new Range("2001::/32", "reserved (Teredo)"),
            new Range("2001:db8::/32", "reserved (documentation)"),
            new Range("2001::/23", "reserved (IETF protocol assignments)"),
            new Range("3fff::/20", "reserved (documentation)"),
            new Range("5f00::/16", "reserved (SRv6)"),
            new Range("fc00::/7", "unique-local"),
            new Range("fe80::/10", "link-local"),
            new Range("fec0::/10", "site-local"),
            new Range("ff00::/8", "multicast"));

    private static final Cidr GLOBAL_UNICAST = Cidr.parse("2000::/3");
    private static final Range NOT_GLOBAL_UNICAST = new Range(Cidr.parse("::/0"), "reserved", "outside IPv6 global unicast 2000::/3");
    private static final Range IPV4_COMPATIBLE = new Range("::/96", "reserved (deprecated IPv4-compatible)");

    /** IPv6 blocks that carry an IPv4 address, and the byte offset where it starts. */
    private record Carrier(Cidr block, int offset) {
    }

    private static final List<Carrier> CARRIERS = List.of(
            new Carrier(Cidr.parse("::ffff:0:0/96"), 12),        // IPv4-mapped
            new Carrier(Cidr.parse("::ffff:0:0:0/96"), 12),      // IPv4-translated (SIIT)
            new Carrier(Cidr.parse("64:ff9b::/96"), 12),         // NAT64, well-known prefix
            new Carrier(Cidr.parse("2002::/16"), 2));            // 6to4

    private AddressRanges() {
    }

    /** Empty for a public address; otherwise why it is refused. */
    static Optional<Verdict> forbidden(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 4) {
            return ipv4(a).map(r -> new Verdict(address, r, Optional.empty()));
        }
        for (Range r : List.of(IPV6.get(0), IPV6.get(1))) {     // :: and ::1 before the IPv4-compatible block
            if (r.block().contains(a)) {
                return Optional.of(new Verdict(address, r, Optional.empty()));
            }
        }
        if (IPV4_COMPATIBLE.block().contains(a)) {
            // deprecated and routed nowhere sane: refused whatever it carries
            return Optional.of(new Verdict(address, IPV4_COMPATIBLE, Optional.empty()));
        }
        for (Carrier c : CARRIERS) {
            if (c.block().contains(a)) {
                byte[] v4 = Arrays.copyOfRange(a, c.offset(), c.offset() + 4);
                Optional<Range> inner = ipv4(v4);
                if (inner.isPresent()) {
                    return Optional.of(new Verdict(address, inner.get(), Optional.of(ipv4Address(v4))));
                }
                return Optional.empty();
            }
        }
        for (Range r : IPV6) {
            if (r.block().contains(a)) {
                return Optional.of(new Verdict(address, r, Optional.empty()));
            }
        }
        if (!GLOBAL_UNICAST.contains(a)) {
            return Optional.of(new Verdict(address, NOT_GLOBAL_UNICAST, Optional.empty()));
        }
        return Optional.empty();
    }

    private static Optional<Range> ipv4(byte[] a) {
        return IPV4.stream().filter(r -> r.block().contains(a)).findFirst();
    }

    private static InetAddress ipv4Address(byte[] v4) {
        try {
            return InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
