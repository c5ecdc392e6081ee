package dev.extfarm.recipe.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Address literals in their one canonical spelling, parsed without any name lookup. Resolvers
 * disagree on the other spellings of IPv4 addresses: {@code 2130706433}, {@code 0x7f.1},
 * {@code 0177.0.0.1} and {@code 127.1} are 127.0.0.1 to glibc and curl, a host name to some, a
 * different address to others. A host that looks like a number is therefore either a canonical
 * dotted quad or refused ({@link #looksNumeric}), so that what is checked is what is connected to.
 */
final class IpLiterals {

    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("0[xX][0-9a-fA-F]*|[0-9]+");

    private IpLiterals() {
    }

    /** A canonical dotted quad or an IPv6 literal (without brackets or zone), else empty. Never looks anything up. */
    static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (IPV4.matcher(text).matches()) {
                String[] parts = text.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    b[i] = (byte) Integer.parseInt(parts[i]);
                }
                return Optional.of(InetAddress.getByAddress(b));
            }
            // InetAddress parses a literal with a ':' without a name lookup (it throws when invalid)
            if (text.indexOf(':') >= 0 && IPV6_CHARS.matcher(text).matches()) {
                return Optional.of(InetAddress.getByName(text));
            }
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The bytes of a literal as written: 16 for any IPv6 spelling, also {@code ::ffff:a.b.c.d},
     * which {@link InetAddress} turns into an IPv4 address.
     */
    static Optional<byte[]> parseBytes(String text) {
        Optional<InetAddress> a = parse(text);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        byte[] b = a.get().getAddress();
        if (text.indexOf(':') >= 0 && b.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(b, 0, mapped, 12, 4);
            return Optional.of(mapped);
        }
        return Optional.of(b);
    }

    /**
     * Whether a host (without brackets) reads as an IPv4 number to a URL parser: its last label
     * (ignoring one trailing dot) is decimal or {@code 0x} hex, as the WHATWG URL standard says.
     */
    static boolean looksNumeric(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = h.substring(h.lastIndexOf('.') + 1);
        return NUMERIC_LABEL.matcher(last).matches();
    }

    static boolean isCanonicalIpv4(String host) {
        return IPV4.matcher(host).matches();
    }

    /** A host name in the form the allow list and comparisons use: lowercase, without one trailing dot. */
    static String normalName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
