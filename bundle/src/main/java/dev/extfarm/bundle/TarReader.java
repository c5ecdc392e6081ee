package dev.extfarm.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A strict, bounded reader for the tar subset bundles use: ustar/POSIX and GNU headers, one PAX
 * extended header ('x') and GNU long name/link ('L'/'K') per entry, regular files, directories and
 * symbolic links. Everything else is refused with a {@link RejectionRule}.
 *
 * <p>Why not Commons Compress' TarArchiveInputStream here (the writer does use Commons Compress):
 * its reader buffers GNU long names without a bound, bounds PAX headers only by their declared
 * size, recurses once per consecutive extended header, and decodes names leniently. A reader of
 * untrusted bundles needs hard bounds on memory and the raw name bytes, so this one stays small
 * and refuses rather than repairs.
 */
final class TarReader {

    enum Type { FILE, DIRECTORY, SYMLINK }

    /** One real entry, after its extended headers were applied. Names are raw (not yet normalised). */
    record Entry(String name, Type type, long size, int mode, String linkName) {
    }

    private static final int BLOCK = 512;
    private static final int MAX_SYMLINK_TARGET = 4096;

    private final InputStream in;
    private final BundleLimits limits;
    private final byte[] header = new byte[BLOCK];
    private long remaining;  // unread data bytes of the current entry
    private long padding;    // padding after the current entry's data
    private boolean ended;
    private int headersRead;

    TarReader(InputStream in, BundleLimits limits) {
        this.in = in;
        this.limits = limits;
    }

    /** The next entry, or null after the end-of-archive marker. */
    Entry next() throws IOException, BundleRejectedException {
        skipRest();
        byte[] longName = null;
        byte[] longLink = null;
        Pax pax = null;
        while (true) {
            if (!readBlock(header, longName != null || longLink != null || pax != null)) {
                return null;
            }
            if (++headersRead > limits.maxEntries() * 4L) {
                throw new BundleRejectedException(RejectionRule.COUNT, "-", "more than " + limits.maxEntries() + " entries");
            }
            if (isZero(header)) {
                if (longName != null || longLink != null || pax != null) {
                    throw new BundleRejectedException(RejectionRule.PAX, "-", "an extended header is not followed by an entry");
                }
                ended = true;
                return null;
            }
            verifyChecksum();
            boolean posix = Arrays.equals(header, 257, 263, "ustar\0".getBytes(StandardCharsets.US_ASCII), 0, 6);
            boolean gnu = Arrays.equals(header, 257, 265, "ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, 8);
            if (!posix && !gnu) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), "not a ustar, PAX or GNU tar header");
            }
            byte type = header[156];
            long size = number(124, 12, "size");
            int mode = (int) number(100, 8, "mode");
            number(108, 8, "uid");
            number(116, 8, "gid");
            number(136, 12, "mtime");
            switch (type) {
                case 'x' -> {
                    if (pax != null) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "two PAX headers for one entry");
                    }
                    if (size > limits.maxPaxHeaderSize()) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "PAX header of " + size
                                + " bytes is over the limit of " + limits.maxPaxHeaderSize());
                    }
                    pax = Pax.parse(readData(size));
                    continue;
                }
                case 'L', 'K' -> {
                    if ((type == 'L' ? longName : longLink) != null) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "two GNU long-name headers for one entry");
                    }
                    if (size > limits.maxPathLength() + 1L) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "GNU long name of " + size
                                + " bytes is over the limit of " + limits.maxPathLength());
                    }
                    byte[] data = trimNul(readData(size));
                    if (type == 'L') {
                        longName = data;
                    } else {
                        longLink = data;
                    }
                    continue;
                }
                case 'g' -> throw new BundleRejectedException(RejectionRule.PAX, rawName(), "global PAX headers are not allowed");
                default -> {
                }
            }
            String name = pax != null && pax.path != null ? pax.path
                    : longName != null ? decode(longName, "name") : headerName(posix);
            String link = pax != null && pax.linkPath != null ? pax.linkPath
                    : longLink != null ? decode(longLink, "link name") : decode(field(157, 100), "link name");
            if (pax != null && pax.size >= 0) {
                size = pax.size;
            }
            checkName(name);
            Type t = switch (type) {
                case '0', 0 -> Type.FILE;
                case '5' -> Type.DIRECTORY;
                case '2' -> Type.SYMLINK;
                case '1' -> throw new BundleRejectedException(RejectionRule.HARDLINK, name, "is a hard link to '" + link + "'; store the file itself");
                case '3', '4' -> throw new BundleRejectedException(RejectionRule.DEVICE, name, "is a device node");
                case '6' -> throw new BundleRejectedException(RejectionRule.DEVICE, name, "is a FIFO");
                case 'S' -> throw new BundleRejectedException(RejectionRule.SPARSE, name, "is a sparse file");
                default -> throw new BundleRejectedException(RejectionRule.UNKNOWN_TYPE, name,
                        "has entry type '" + (char) (type & 0xff) + "'; only files, directories and symbolic links are allowed");
            };
            if ((mode & 07000) != 0) {
                throw new BundleRejectedException(RejectionRule.SETID, name, "has mode " + Integer.toOctalString(mode)
                        + " with setuid/setgid/sticky bits; use 0644 or 0755");
            }
            if (t != Type.FILE && size != 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, name, "a " + t.name().toLowerCase() + " entry must have size 0, has " + size);
            }
            if (t == Type.FILE && name.endsWith("/")) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, name, "a regular file's name ends with '/'");
            }
            if (t == Type.SYMLINK && (link.isEmpty() || link.length() > MAX_SYMLINK_TARGET)) {
                throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, name, "symbolic link has an empty or oversized target");
            }
            if (t == Type.FILE && size > limits.maxEntrySize()) {
                throw new BundleRejectedException(RejectionRule.SIZE, name, "is " + size + " bytes, over the limit of "
                        + limits.maxEntrySize() + " per file");
            }
            remaining = size;
            padding = pad(size);
            return new Entry(name, t, size, mode & 0777, t == Type.SYMLINK ? link : null);
        }
    }

    /** Reads the current entry's data; returns -1 at its end. */
    int read(byte[] buf, int off, int len) throws IOException, BundleRejectedException {
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(buf, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", "the archive ends inside an entry's data");
        }
        remaining -= n;
        return n;
    }

    /** After the end marker: everything up to EOF must be zero (block padding), nothing hidden. */
    void finish() throws IOException, BundleRejectedException {
        if (!ended) {
            throw new IllegalStateException("finish() before the end marker");
        }
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                if (buf[i] != 0) {
                    throw new BundleRejectedException(RejectionRule.TRAILING_DATA, "-", "data follows the end-of-archive marker");
                }
            }
        }
    }

    private void skipRest() throws IOException, BundleRejectedException {
        byte[] buf = new byte[8192];
        while (remaining > 0) {
            read(buf, 0, buf.length);
        }
        skipExactly(padding);
        padding = 0;
    }

    private void skipExactly(long n) throws IOException, BundleRejectedException {
        byte[] buf = new byte[BLOCK];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(n, buf.length));
            if (r < 0) {
                throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", "the archive ends inside block padding");
            }
            n -= r;
        }
    }

    private byte[] readData(long size) throws IOException, BundleRejectedException {
        byte[] data = new byte[(int) size];
        int off = 0;
        while (off < data.length) {
            int n = in.read(data, off, data.length - off);
            if (n < 0) {
                throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", "the archive ends inside an extended header");
            }
            off += n;
        }
        skipExactly(pad(size));
        return data;
    }

    /** Reads one header block; false at a clean EOF where no header is pending. */
    private boolean readBlock(byte[] block, boolean pending) throws IOException, BundleRejectedException {
        int off = 0;
        while (off < BLOCK) {
            int n = in.read(block, off, BLOCK - off);
            if (n < 0) {
                throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", off == 0 && !pending
                        ? "the archive has no end-of-archive marker (it was cut short)"
                        : "the archive ends inside a header");
            }
            off += n;
        }
        return true;
    }

    private void verifyChecksum() throws BundleRejectedException {
        long stored;
        try {
            stored = octal(148, 8);
        } catch (NumberFormatException e) {
            throw new BundleRejectedException(RejectionRule.CHECKSUM, rawName(), "the header checksum field is malformed");
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= 148 && i < 156) ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new BundleRejectedException(RejectionRule.CHECKSUM, rawName(), "header checksum " + stored + " does not match " + unsigned);
        }
    }

    private long number(int off, int len, String field) throws BundleRejectedException {
        if ((header[off] & 0x80) != 0) {
            if (header[off] == (byte) 0xff) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), field + " is negative");
            }
            long v = header[off] & 0x7f;
            for (int i = off + 1; i < off + len; i++) {
                if (v > (Long.MAX_VALUE >> 9)) {
                    throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), field + " is absurdly large");
                }
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        try {
            return octal(off, len);
        } catch (NumberFormatException e) {
            throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), field + " field is not an octal number");
        }
    }

    /** Octal digits, optionally preceded by spaces and followed by NULs/spaces; empty means 0. */
    private long octal(int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && header[i] == ' ') {
            i++;
        }
        long v = 0;
        int digits = 0;
        while (i < end && header[i] >= '0' && header[i] <= '7') {
            v = (v << 3) + (header[i] - '0');
            i++;
            digits++;
        }
        while (i < end && (header[i] == 0 || header[i] == ' ')) {
            i++;
        }
        if (i != end || digits > 21) {
            throw new NumberFormatException();
        }
        return v;
    }

    private String headerName(boolean posix) throws BundleRejectedException {
        String name = decode(field(0, 100), "name");
        if (posix) {
            String prefix = decode(field(345, 155), "name prefix");
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    private byte[] field(int off, int len) {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(header, off, end);
    }

    private String rawName() {
        return new String(field(0, 100), StandardCharsets.UTF_8);
    }

    private void checkName(String name) throws BundleRejectedException {
        if (name.getBytes(StandardCharsets.UTF_8).length > limits.maxPathLength()) {
            throw new BundleRejectedException(RejectionRule.BAD_NAME, name.substring(0, Math.min(80, name.length())) + "...",
                    "path longer than " + limits.maxPathLength() + " bytes");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new BundleRejectedException(RejectionRule.BAD_NAME, name.replaceAll("\\p{Cntrl}", "?"),
                        "contains control character 0x" + Integer.toHexString(c));
            }
        }
    }

    static String decode(byte[] bytes, String what) throws BundleRejectedException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BundleRejectedException(RejectionRule.BAD_NAME, new String(bytes, StandardCharsets.UTF_8),
                    "the " + what + " is not valid UTF-8");
        }
    }

    private static byte[] trimNul(byte[] data) {
        int n = data.length;
        while (n > 0 && data[n - 1] == 0) {
            n--;
        }
        return n == data.length ? data : Arrays.copyOf(data, n);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static long pad(long size) {
        long r = size % BLOCK;
        return r == 0 ? 0 : BLOCK - r;
    }

    /** The PAX keywords we honour; sparse, xattr, ACL and charset keywords are refused. */
    private static final class Pax {
        String path;
        String linkPath;
        long size = -1;

        static Pax parse(byte[] data) throws BundleRejectedException {
            Pax pax = new Pax();
            int pos = 0;
            while (pos < data.length) {
                int sp = pos;
                long len = 0;
                while (sp < data.length && data[sp] >= '0' && data[sp] <= '9' && sp - pos < 10) {
                    len = len * 10 + (data[sp] - '0');
                    sp++;
                }
                if (sp == pos || sp >= data.length || data[sp] != ' ' || len < 5 || pos + len > data.length
                        || data[(int) (pos + len - 1)] != '\n') {
                    throw new BundleRejectedException(RejectionRule.PAX, "-", "malformed PAX record at offset " + pos);
                }
                int end = (int) (pos + len - 1);
                int eq = sp + 1;
                while (eq < end && data[eq] != '=') {
                    eq++;
                }
                if (eq >= end) {
                    throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX record without '=' at offset " + pos);
                }
                String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.US_ASCII);
                byte[] value = Arrays.copyOfRange(data, eq + 1, end);
                pax.apply(key, value);
                pos += (int) len;
            }
            return pax;
        }

        private void apply(String key, byte[] value) throws BundleRejectedException {
            if (key.startsWith("GNU.sparse")) {
                throw new BundleRejectedException(RejectionRule.SPARSE, "-", "PAX sparse-file keyword " + key);
            }
            if (key.contains("xattr") || key.contains("acl") || key.equals("hdrcharset") || key.equals("charset")) {
                throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX keyword '" + key + "' is not allowed in bundles");
            }
            switch (key) {
                case "path" -> path = decode(value, "PAX path");
                case "linkpath" -> linkPath = decode(value, "PAX link path");
                case "size" -> {
                    String s = new String(value, StandardCharsets.US_ASCII);
                    if (!s.matches("[0-9]{1,18}")) {
                        throw new BundleRejectedException(RejectionRule.BAD_HEADER, "-", "PAX size '" + s + "' is not a non-negative number");
                    }
                    size = Long.parseLong(s);
                }
                default -> {
                    // mtime, atime, ctime, uid, gid, uname, gname, comment and unknown keywords: ignored (POSIX)
                }
            }
        }
    }
}
