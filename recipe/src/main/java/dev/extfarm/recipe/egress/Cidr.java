package dev.extfarm.recipe.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An address block such as {@code 10.0.0.0/8} or {@code fc00::/7}; a bare address is a block of one. */
public final class Cidr {

    private final byte[] network;
    private final int bits;

    private Cidr(byte[] network, int bits) {
        if (bits < 0 || bits > network.length * 8) {
            throw new IllegalArgumentException("a /" + bits + " block does not exist for " + text(network));
        }
        this.network = network.clone();
        this.bits = bits;
    }

    /** The block of exactly this address. */
    public static Cidr of(InetAddress address) {
        return new Cidr(address.getAddress(), address.getAddress().length * 8);
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code ::1/128} or a bare address. Only canonical literals
     * ({@link IpLiterals}); host bits set below the prefix are refused, to catch typos.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] network = IpLiterals.parseBytes(address).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "' is not an address block: write it as 10.0.0.0/8, 192.0.2.7, fd00::/8 or ::1"));
        int max = network.length * 8;
        int bits = max;
        if (slash >= 0) {
            String b = text.substring(slash + 1);
            if (!b.matches("[0-9]{1,3}") || Integer.parseInt(b) > max) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be 0.." + max);
            }
            bits = Integer.parseInt(b);
        }
        Cidr cidr = new Cidr(network, bits);
        if (!Arrays.equals(cidr.mask(network), network)) {
            throw new IllegalArgumentException("'" + text + "' has host bits set below /" + bits + " (did you mean " + cidr + "?)");
        }
        return cidr;
    }

    /** Whether {@code address} is in this block (an IPv4 address is never in an IPv6 block, and vice versa). */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** Whether raw address bytes (4 or 16) are in this block. */
    boolean contains(byte[] a) {
        return a.length == network.length && Arrays.equals(mask(a), mask(network));
    }

    private byte[] mask(byte[] a) {
        byte[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    /** The block as written canonically, e.g. {@code 10.0.0.0/8}, {@code ::ffff:0:0/96}. */
    @Override
    public String toString() {
        return text(mask(network)) + "/" + bits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.bits == bits && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + bits;
    }

    private static String text(byte[] a) {
        if (a.length == 16 && isMapped(a)) {
            return "::ffff:" + (a[12] & 0xff) + "." + (a[13] & 0xff) + "." + (a[14] & 0xff) + "." + (a[15] & 0xff);
        }
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
