package dev.extfarm.recipe.egress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the farm's operator lets the farm reach although it is not public: address blocks
 * ({@code 10.1.0.0/16}), addresses ({@code 192.0.2.7}, {@code ::1}), either with a port
 * ({@code 127.0.0.1:8080}, {@code [::1]:8080}), and host names with or without a port
 * ({@code mirror.corp.example:8080}): a URL naming that host is connected to whatever it resolves to.
 * Entries are separated by commas or spaces. Empty by default.
 */
public final class AllowList {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    /** One entry; {@code port} -1: any port. Exactly one of block and name is set. */
    record Entry(Cidr block, String name, int port, String text) {
        boolean allows(InetAddress address, int p) {
            return block != null && block.contains(address) && (port < 0 || port == p);
        }

        boolean allowsName(String host, int p) {
            return name != null && name.equals(IpLiterals.normalName(host)) && (port < 0 || port == p);
        }
    }

    private static final AllowList EMPTY = new AllowList(List.of());

    private final List<Entry> entries;

    private AllowList(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static AllowList empty() {
        return EMPTY;
    }

    /**
     * Parses an operator's list, e.g. {@code "127.0.0.1:8080, 10.20.0.0/16 mirror.corp.example"}.
     *
     * @throws IllegalArgumentException naming the entry that is not one of the forms above
     */
    public static AllowList parse(String text) {
        if (text == null || text.isBlank()) {
            return EMPTY;
        }
        List<Entry> out = new ArrayList<>();
        for (String raw : text.strip().split("[,\\s]+")) {
            if (!raw.isEmpty()) {
                out.add(entry(raw));
            }
        }
        return new AllowList(out);
    }

    /** This list and one more entry (same forms as {@link #parse}). */
    public AllowList plus(String entry) {
        List<Entry> out = new ArrayList<>(entries);
        out.add(entry(entry));
        return new AllowList(out);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    boolean allows(InetAddress address, int port) {
        return entries.stream().anyMatch(e -> e.allows(address, port));
    }

    boolean allowsName(String host, int port) {
        return entries.stream().anyMatch(e -> e.allowsName(host, port));
    }

    /** The entries as given, comma-separated. */
    @Override
    public String toString() {
        return String.join(",", entries.stream().map(Entry::text).toList());
    }

    private static Entry entry(String raw) {
        String host = raw;
        int port = -1;
        if (raw.startsWith("[")) {                              // [::1] or [::1]:8080
            int close = raw.indexOf(']');
            if (close < 0 || !(close == raw.length() - 1 || raw.charAt(close + 1) == ':')) {
                throw bad(raw);
            }
            host = raw.substring(1, close);
            port = close == raw.length() - 1 ? -1 : port(raw, raw.substring(close + 2));
        } else if (raw.indexOf(':') >= 0 && raw.indexOf(':') == raw.lastIndexOf(':') && !raw.contains("/")) {
            host = raw.substring(0, raw.indexOf(':'));          // 127.0.0.1:8080, mirror.example:8080
            port = port(raw, raw.substring(raw.indexOf(':') + 1));
        }
        if (host.contains("/")) {
            try {
                return new Entry(Cidr.parse(host), null, port, raw);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("allow-list entry " + e.getMessage(), e);
            }
        }
        var literal = IpLiterals.parse(host);
        if (literal.isPresent()) {
            return new Entry(Cidr.of(literal.get()), null, port, raw);
        }
        String name = IpLiterals.normalName(host);
        if (IpLiterals.looksNumeric(name) || !NAME.matcher(name).matches()) {
            throw bad(raw);
        }
        return new Entry(null, name, port, raw);
    }

    private static int port(String raw, String text) {
        if (!PORT.matcher(text).matches() || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw bad(raw);
        }
        return Integer.parseInt(text);
    }

    private static IllegalArgumentException bad(String raw) {
        return new IllegalArgumentException("allow-list entry '" + raw + "' is not an address block (10.0.0.0/8), an address "
                + "(192.0.2.7, ::1), an address with a port (127.0.0.1:8080, [::1]:8080) or a host name with an optional port "
                + "(mirror.example:8080)");
    }
}
