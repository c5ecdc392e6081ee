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
 * extended header ('x') or GNU long name/link ('L'/'K') per entry, regular files, directories and
 * symbolic links. Everything else is refused with a {@link RejectionRule}.
 *
 * <p>It accepts what our deterministic writer writes and refuses every form that two tar readers
 * could understand differently (a parser differential: the same bytes, two trees). Closed here:
 * a PAX record that overrides a header field with another value ({@link PaxHeader}), a long name
 * whose header field is not its first 100 bytes, the ustar prefix and GNU/star extension fields
 * (readers disagree on which of them a header has), base-256 numbers, signed checksums, the
 * pre-POSIX regular-file type '\0', owners by name (GNU tar as root prefers the name, others the
 * number), bytes hidden after a field's NUL or in padding, and a lone end-of-archive block.
 *
 * <p>Why not Commons Compress' TarArchiveInputStream here (the writer does use Commons Compress):
 * its reader buffers GNU long names without a bound, bounds PAX headers only by their declared
 * size, recurses once per consecutive extended header, and decodes names leniently. A reader of
 * untrusted bundles needs hard bounds on memory and the raw name bytes, so this one stays small
 * and refuses rather than repairs.
 */
final class TarReader {

    enum Type { FILE, DIRECTORY, SYMLINK }

    /**
     * Who wrote the archive, for the rules that depend on it. Every rule that keeps two readers
     * from seeing two trees applies to both.
     */
    enum Profile {
        /** A bundle, written by our deterministic writer: owners 0/0 without names, modes 0644/0755 (directories 0755), links inside. */
        BUNDLE,
        /**
         * Any other tar of untrusted files ({@link TarStream}: a build's output, written by GNU tar
         * as the build's user): owners and modes are the caller's to normalise, link targets its to judge.
         */
        TREE
    }

    /**
     * One real entry, after its extended headers were applied: the name as written, its canonical
     * relative path ({@link EntryPaths#normalize}; empty for the root), and the permission bits.
     */
    record Entry(String name, String path, Type type, long size, int mode, String linkName) {
    }

    private static final int BLOCK = 512;
    private static final int MAX_SYMLINK_TARGET = 4096;

    private final InputStream in;
    private final BundleLimits limits;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[BLOCK];
    private static final byte[] POSIX_MAGIC = ("ustar\0" + "00").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO_BLOCK = new byte[BLOCK];
    private static final byte[] GNU_MAGIC = "ustar  \0".getBytes(StandardCharsets.US_ASCII);

    private long position;   // bytes consumed so far
    private long remaining;  // unread data bytes of the current entry
    private long padding;    // padding after the current entry's data
    private boolean ended;
    private int headersRead;

    private final Profile profile;

    TarReader(InputStream in, BundleLimits limits) {
        this(in, limits, Profile.BUNDLE);
    }

    TarReader(InputStream in, BundleLimits limits, Profile profile) {
        this.in = in;
        this.limits = limits;
        this.profile = profile;
    }

    /** The next entry, or null after the end-of-archive marker. */
    Entry next() throws IOException, BundleRejectedException {
        skipRest();
        byte[] longName = null;
        byte[] longLink = null;
        PaxHeader pax = null;
        while (true) {
            readBlock(header, longName != null || longLink != null || pax != null);
            if (++headersRead > limits.maxEntries() * 4L) {
                throw new BundleRejectedException(RejectionRule.COUNT, "-", "more than " + limits.maxEntries() + " entries");
            }
            if (isZero(header)) {
                if (longName != null || longLink != null || pax != null) {
                    throw new BundleRejectedException(RejectionRule.PAX, "-", "an extended header is not followed by an entry");
                }
                readSecondEndBlock();
                ended = true;
                return null;
            }
            verifyChecksum();
            boolean posix = Arrays.equals(header, 257, 265, POSIX_MAGIC, 0, 8);
            boolean gnu = Arrays.equals(header, 257, 265, GNU_MAGIC, 0, 8);
            if (!posix && !gnu) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), "not a POSIX (ustar\\0 00) or GNU (ustar  \\0) tar header");
            }
            requireZero(345, BLOCK, "the ustar name prefix and the GNU/star extension fields are not used in bundles "
                    + "(readers disagree on what they hold)");
            byte type = header[156];
            long size = number(124, 12, "size");
            long mode = number(100, 8, "mode");
            long uid = number(108, 8, "uid");
            long gid = number(116, 8, "gid");
            long mtime = number(136, 12, "mtime");
            if (number(329, 8, "device major") != 0 || number(337, 8, "device minor") != 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), "device numbers on an entry that is not a device");
            }
            byte[] nameField = field(0, 100);
            byte[] linkField = field(157, 100);
            String uname = decode(field(265, 32), "user name");
            String gname = decode(field(297, 32), "group name");
            switch (type) {
                case 'x' -> {
                    if (pax != null) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "two PAX headers for one entry");
                    }
                    if (longName != null || longLink != null) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "a PAX header and a GNU long-name header for one entry");
                    }
                    if (size > limits.maxPaxHeaderSize()) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "PAX header of " + size
                                + " bytes is over the limit of " + limits.maxPaxHeaderSize());
                    }
                    requireWithinTotal(size);
                    pax = PaxHeader.parse(readData(size));
                    continue;
                }
                case 'L', 'K' -> {
                    if ((type == 'L' ? longName : longLink) != null) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "two GNU long-name headers for one entry");
                    }
                    if (pax != null) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "a PAX header and a GNU long-name header for one entry");
                    }
                    if (size > limits.maxPathLength() + 1L) {
                        throw new BundleRejectedException(RejectionRule.PAX, rawName(), "GNU long name of " + size
                                + " bytes is over the limit of " + limits.maxPathLength());
                    }
                    requireWithinTotal(size);
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
            byte[] fullName = pax != null && pax.rawPath() != null ? pax.rawPath() : longName;
            byte[] fullLink = pax != null && pax.rawLinkPath() != null ? pax.rawLinkPath() : longLink;
            String name = pax != null && pax.path() != null ? pax.path()
                    : longName != null ? decode(longName, "name") : decode(nameField, "name");
            String link = pax != null && pax.linkPath() != null ? pax.linkPath()
                    : longLink != null ? decode(longLink, "link name") : decode(linkField, "link name");
            checkName(name);
            Type t = switch (type) {
                case '0' -> Type.FILE;
                case '5' -> Type.DIRECTORY;
                case '2' -> Type.SYMLINK;
                case '1' -> throw new BundleRejectedException(RejectionRule.HARDLINK, name, "is a hard link to '" + link + "'; store the file itself");
                case '3', '4' -> throw new BundleRejectedException(RejectionRule.DEVICE, name, "is a device node");
                case '6' -> throw new BundleRejectedException(RejectionRule.DEVICE, name, "is a FIFO");
                case 'S' -> throw new BundleRejectedException(RejectionRule.SPARSE, name, "is a sparse file");
                default -> throw new BundleRejectedException(RejectionRule.UNKNOWN_TYPE, name,
                        "has entry type '" + (type == 0 ? "\\0" : String.valueOf((char) (type & 0xff)))
                                + "'; only files ('0'), directories ('5') and symbolic links ('2') are allowed");
            };
            // The name's own rules first (absolute, '..', link targets leaving the tree): they say more than a mismatch.
            String path = EntryPaths.normalize(name);
            if (t == Type.SYMLINK) {
                if (link.isEmpty() || link.length() > MAX_SYMLINK_TARGET) {
                    throw new BundleRejectedException(RejectionRule.LINK_ESCAPE, name, "symbolic link has an empty or oversized target");
                }
                if (profile == Profile.BUNDLE) {
                    checkName(link);
                    EntryPaths.checkLinkTargetLexically(path, link);
                }
            } else if (fullLink != null || linkField.length > 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, name, "a " + t.name().toLowerCase()
                        + " entry has a link target");
            }
            if (fullName != null && !isTruncationOf(nameField, fullName)) {
                throw new BundleRejectedException(RejectionRule.PAX_MISMATCH, name, "the extended header names '" + name
                        + "' but the tar header names '" + new String(nameField, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?")
                        + "'; readers that ignore either one would see different paths");
            }
            if (t == Type.SYMLINK && fullLink != null && !isTruncationOf(linkField, fullLink)) {
                throw new BundleRejectedException(RejectionRule.PAX_MISMATCH, name, "the extended header links to '" + link
                        + "' but the tar header links to '" + new String(linkField, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?") + "'");
            }
            if (pax != null) {
                pax.requireRestates(name, size, uid, gid, mtime, uname, gname);
            }
            if ((mode & 07000) != 0) {
                throw new BundleRejectedException(RejectionRule.SETID, name, "has mode " + Long.toOctalString(mode)
                        + " with setuid/setgid/sticky bits; use 0644 or 0755");
            }
            if (profile == Profile.BUNDLE) {
                checkMode(name, t, mode);
            }
            if (profile == Profile.BUNDLE && (uid != 0 || gid != 0 || !uname.isEmpty() || !gname.isEmpty())) {
                throw new BundleRejectedException(RejectionRule.OWNER, name, "is owned by " + uid + "/" + gid
                        + (uname.isEmpty() && gname.isEmpty() ? "" : " ('" + uname + "'/'" + gname + "')")
                        + "; bundle entries are owned by 0/0 with no user or group names");
            }
            if (t != Type.FILE && size != 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, name, "a " + t.name().toLowerCase() + " entry must have size 0, has " + size);
            }
            if (t != Type.DIRECTORY && name.endsWith("/")) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, name, "a " + (t == Type.FILE ? "regular file" : "symbolic link")
                        + "'s name ends with '/'");
            }
            if (t == Type.FILE && size > limits.maxEntrySize()) {
                throw new BundleRejectedException(RejectionRule.SIZE, name, "is " + size + " bytes, over the limit of "
                        + limits.maxEntrySize() + " per file");
            }
            requireWithinTotal(size);
            remaining = size;
            padding = pad(size);
            return new Entry(name, path, t, size, (int) (mode & 0777), t == Type.SYMLINK ? link : null);
        }
    }

    /**
     * Files 0644 or 0755, directories 0755, as the writer normalises them: anything group- or
     * world-writable, or unreadable, was not written by it. Symbolic links' permission bits mean
     * nothing on Linux (no reader applies them), so only their special bits are checked.
     */
    private static void checkMode(String name, Type t, long mode) throws BundleRejectedException {
        long perms = mode & 07777;
        if ((mode & ~0177777L) != 0) {
            throw new BundleRejectedException(RejectionRule.MODE, name, "has mode " + Long.toOctalString(mode)
                    + ", with bits above the file type");
        }
        boolean ok = switch (t) {
            case FILE -> perms == 0644 || perms == 0755;
            case DIRECTORY -> perms == 0755;
            case SYMLINK -> true;
        };
        if (!ok) {
            String what = (mode & 0002) != 0 ? "world-writable " : (mode & 0020) != 0 ? "group-writable " : "";
            throw new BundleRejectedException(RejectionRule.MODE, name, "has " + what + "mode " + String.format("%04o", perms)
                    + "; bundle " + (t == Type.FILE ? "files are 0644 or 0755" : "directories are 0755"));
        }
    }

    /**
     * The header's own field holds the long name cut to fit 100 bytes: whole, if it fits; else its
     * first 100 bytes (GNU tar) or the longest prefix of whole UTF-8 characters that fits, 97 to 100
     * bytes (our writer). A reader that ignores the extended header then sees a prefix of the same
     * name, never another one.
     */
    private static boolean isTruncationOf(byte[] field, byte[] full) {
        if (full.length <= 100) {
            return Arrays.equals(field, full);
        }
        return field.length >= 97 && Arrays.equals(field, 0, field.length, full, 0, field.length);
    }

    /** Refuses a stream that must hold more bytes than the limit before this entry's data is read. */
    private void requireWithinTotal(long size) throws BundleRejectedException {
        long atLeast = position + size + pad(size) + 2L * BLOCK;
        if (size > limits.maxTotalSize() || atLeast > limits.maxTotalSize()) {
            throw new BundleRejectedException(RejectionRule.SIZE, rawName(), "the archive would be over the limit of "
                    + limits.maxTotalSize() + " bytes with this entry's " + size + " bytes");
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
        position += n;
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

    /** Skips the padding after an entry's data; it must be zeros, as the writer leaves it. */
    private void skipExactly(long n) throws IOException, BundleRejectedException {
        byte[] buf = scratch;
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(n, buf.length));
            if (r < 0) {
                throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", "the archive ends inside block padding");
            }
            if (Arrays.mismatch(buf, 0, r, ZERO_BLOCK, 0, r) >= 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, "-", "non-zero bytes in the padding after an entry's data");
            }
            n -= r;
            position += r;
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
            position += n;
        }
        skipExactly(pad(size));
        return data;
    }

    /** Reads one header block. */
    private void readBlock(byte[] block, boolean pending) throws IOException, BundleRejectedException {
        int off = 0;
        while (off < BLOCK) {
            int n = in.read(block, off, BLOCK - off);
            if (n < 0) {
                throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", off == 0 && !pending
                        ? "the archive has no end-of-archive marker (it was cut short)"
                        : "the archive ends inside a header");
            }
            off += n;
            position += n;
        }
    }

    /**
     * The end-of-archive marker is two zero blocks. After a lone one, some readers stop and others
     * (GNU tar -i, readers that skip zero blocks) go on to whatever header follows.
     */
    private void readSecondEndBlock() throws IOException, BundleRejectedException {
        byte[] block = new byte[BLOCK];
        int off = 0;
        while (off < BLOCK) {
            int n = in.read(block, off, BLOCK - off);
            if (n < 0) {
                throw new BundleRejectedException(RejectionRule.TRUNCATED, "-", "the end-of-archive marker is one zero block, not two");
            }
            off += n;
            position += n;
        }
        if (!isZero(block)) {
            throw new BundleRejectedException(RejectionRule.TRAILING_DATA, "-", "a header follows a lone zero block");
        }
    }

    /** The checksum as POSIX defines it (unsigned bytes); the signed variant some old tars wrote is not accepted. */
    private void verifyChecksum() throws BundleRejectedException {
        long stored;
        try {
            stored = octal(148, 8);
        } catch (NumberFormatException e) {
            throw new BundleRejectedException(RejectionRule.CHECKSUM, rawName(), "the header checksum field is malformed");
        }
        long unsigned = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= 148 && i < 156) ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
        }
        if (stored != unsigned) {
            throw new BundleRejectedException(RejectionRule.CHECKSUM, rawName(), "header checksum " + stored + " does not match " + unsigned);
        }
    }

    /**
     * An octal field. Base-256 (GNU's binary numbers) is refused: the writer never needs it within
     * the limits, some readers do not know it, and it allows negative values.
     */
    private long number(int off, int len, String field) throws BundleRejectedException {
        if ((header[off] & 0x80) != 0) {
            throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), field + (header[off] == (byte) 0xff
                    ? " is negative" : " is a base-256 number; bundles use octal"));
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

    /** A text field up to its first NUL; the rest must be NULs (nothing hidden behind the terminator). */
    private byte[] field(int off, int len) throws BundleRejectedException {
        byte[] value = rawField(off, len);
        for (int i = off + value.length; i < off + len; i++) {
            if (header[i] != 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), "bytes after the NUL that ends a header field");
            }
        }
        return value;
    }

    private byte[] rawField(int off, int len) {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(header, off, end);
    }

    private void requireZero(int from, int to, String why) throws BundleRejectedException {
        for (int i = from; i < to; i++) {
            if (header[i] != 0) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, rawName(), why);
            }
        }
    }

    private String rawName() {
        return new String(rawField(0, 100), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
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
        if (isAscii(bytes)) {
            return new String(bytes, StandardCharsets.US_ASCII); // the common case, without a decoder
        }
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

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] trimNul(byte[] data) {
        int n = data.length;
        while (n > 0 && data[n - 1] == 0) {
            n--;
        }
        return n == data.length ? data : Arrays.copyOf(data, n);
    }

    private static boolean isZero(byte[] block) {
        return Arrays.equals(block, ZERO_BLOCK);
    }

    private static long pad(long size) {
        long r = size % BLOCK;
        return r == 0 ? 0 : BLOCK - r;
    }
}
