package dev.extfarm.registry.http;

import dev.extfarm.registry.problem.ExtfarmException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The strict reading of a request target (RFC 9112 §3.2, RFC 3986): origin-form only ({@code /path}
 * with an optional {@code ?query}), visible ASCII only, every {@code %} the start of a two-hex-digit
 * escape, escapes that decode to well-formed UTF-8 (no overlong forms, no encoded surrogates), and
 * no control character (C0, DEL; NUL included) after decoding: no name, path or query value of the
 * API has one, PostgreSQL refuses NUL in text and XML most of C0. Both ports read their request
 * targets through it.
 */
public final class RequestTargets {

    private RequestTargets() {
    }

    /**
     * Checks the raw target of a request to an origin server, as the request line carried it (no
     * decoding): throws a 400 problem naming what is wrong.
     */
    public static void checkOriginForm(String target) {
        if (target.isEmpty() || target.charAt(0) != '/') {
            throw target.equals("*")
                    ? invalid("asterisk-form-target", "'*' (asterisk-form) is a request target for OPTIONS to a whole "
                    + "server; this server answers requests for paths only: send /<path>")
                    : target.indexOf("://") > 0
                    ? invalid("absolute-form-target", "the request target is a whole URL (absolute-form, as sent to a "
                    + "proxy); this is an origin server: send the path only, e.g. GET /extensions/... with a Host header")
                    : invalid("invalid-request-target", "the request target must be a path starting with '/'");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw invalid("invalid-request-target", "the request target holds a raw " + describe(c)
                        + " at position " + i + "; percent-encode it (%" + String.format("%02X", (int) c & 0xff) + ")");
            }
            if (c == '%' && (i + 2 >= target.length() || hex(target.charAt(i + 1)) < 0 || hex(target.charAt(i + 2)) < 0)) {
                throw badEscape(target, i);
            }
        }
    }

    /** A raw path with its escapes decoded ('+' stays '+': it is the digest's, not a space). */
    public static String decodePath(String raw) {
        return decode(raw, false);
    }

    /** A raw query name or value (form encoding: '+' is a space) with its escapes decoded. */
    public static String decodeQueryComponent(String raw) {
        return decode(raw, true);
    }

    /** Checks a decoded text for control characters (throws the 400 problem); returns it. */
    public static String checkNoControls(String decoded, String what) {
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw invalid("control-character", what + " holds a control character (" + describe(c)
                        + ") at position " + i + "; no name, path or value of this API has one");
            }
        }
        return decoded;
    }

    private static String decode(String raw, boolean plusIsSpace) {
        if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) {
            return checkNoControls(raw, "the request target");
        }
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
                int lo = hi < 0 ? -1 : hex(raw.charAt(i + 2));
                if (lo < 0) {
                    throw badEscape(raw, i);
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else if (c > 0x7f) {
                throw invalid("invalid-request-target", "the request target holds a raw " + describe(c)
                        + "; percent-encode its UTF-8 bytes");
            } else {
                bytes.put((byte) (plusIsSpace && c == '+' ? ' ' : c));
            }
        }
        bytes.flip();
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw invalid("invalid-utf8", "the percent-escapes of the request target do not decode to UTF-8 (in '"
                    + abbreviate(raw) + "'); encode text as UTF-8 bytes, each as %XX");
        }
        return checkNoControls(decoded, "the decoded request target");
    }

    private static ExtfarmException badEscape(String raw, int at) {
        return invalid("bad-percent-encoding", "'%' at position " + at + " of '" + abbreviate(raw)
                + "' is not followed by two hex digits; write a literal '%' as %25");
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static String describe(char c) {
        return c == ' ' ? "space" : String.format("character U+%04X", (int) c);
    }

    /** At most 100 characters of what the client sent, for a message (escaped by the JSON writer). */
    private static String abbreviate(String raw) {
        return raw.length() <= 100 ? raw : raw.substring(0, 100) + "...";
    }

    private static ExtfarmException invalid(String code, String message) {
        return ExtfarmException.invalid(code, message);
    }
}
