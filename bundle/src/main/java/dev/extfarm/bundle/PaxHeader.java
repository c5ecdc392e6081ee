package dev.extfarm.bundle;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One PAX extended header ('x'), parsed strictly. A bundle is written by our deterministic writer,
 * which puts only {@code path} and {@code linkpath} records in a PAX header (for names over 100
 * bytes or not ASCII), so the reader accepts exactly that and refuses every record that another
 * tar reader could understand differently:
 *
 * <ul>
 *   <li>{@code path}, {@code linkpath}: accepted; the header's own name / link name field must
 *       hold the same name (its first 100 bytes), checked by {@link TarReader}.</li>
 *   <li>{@code size}, {@code uid}, {@code gid}, {@code mtime}, {@code uname}, {@code gname}: they
 *       override a header field, so a reader that honours them and one that trusts the header
 *       would see different entries (a different size moves every following header). They may only
 *       restate the header's value; any other value is {@link RejectionRule#PAX_MISMATCH}.</li>
 *   <li>{@code GNU.sparse.*}: {@link RejectionRule#SPARSE}.</li>
 *   <li>everything else ({@code hdrcharset}, {@code charset}, {@code SCHILY.*},
 *       {@code LIBARCHIVE.*}, {@code atime}, {@code ctime}, {@code comment}, unknown keywords):
 *       {@link RejectionRule#PAX}. Unknown keywords are ignored by some readers and honoured by
 *       others (star's {@code SCHILY.filetype}, {@code hdrcharset=BINARY} changes how a name is
 *       decoded), and our writer writes none of them.</li>
 * </ul>
 *
 * Records must be well-formed ({@code "<length> <key>=<value>\n"}, the length in decimal without
 * leading zeros, exactly filling the header), each keyword at most once (readers disagree on
 * whether the first or the last repeat wins), and no value empty (POSIX gives an empty value the
 * meaning "forget this field", which readers implement differently).
 */
final class PaxHeader {

    /** Keywords that restate a numeric header field. */
    private static final Set<String> NUMERIC = Set.of("size", "uid", "gid", "mtime");
    /** Keywords that restate a text header field. */
    private static final Set<String> TEXT = Set.of("uname", "gname");

    private final Map<String, byte[]> records;

    private PaxHeader(Map<String, byte[]> records) {
        this.records = records;
    }

    static PaxHeader parse(byte[] data) throws BundleRejectedException {
        if (data.length == 0) {
            throw new BundleRejectedException(RejectionRule.PAX, "-", "empty PAX extended header");
        }
        Map<String, byte[]> records = new LinkedHashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int sp = pos;
            long len = 0;
            while (sp < data.length && data[sp] >= '0' && data[sp] <= '9' && sp - pos < 10) {
                len = len * 10 + (data[sp] - '0');
                sp++;
            }
            if (sp == pos || data[pos] == '0' || sp >= data.length || data[sp] != ' ' || len < 5 || pos + len > data.length
                    || data[(int) (pos + len - 1)] != '\n') {
                throw new BundleRejectedException(RejectionRule.PAX, "-", "malformed PAX record at offset " + pos);
            }
            int end = (int) (pos + len - 1);
            int eq = sp + 1;
            while (eq < end && data[eq] != '=') {
                eq++;
            }
            if (eq >= end || eq == sp + 1) {
                throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX record without a keyword or '=' at offset " + pos);
            }
            for (int i = sp + 1; i < eq; i++) {
                if (data[i] <= ' ' || data[i] > '~') {
                    throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX keyword with a byte that is not printable ASCII at offset " + pos);
                }
            }
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.US_ASCII);
            byte[] value = Arrays.copyOfRange(data, eq + 1, end);
            if (value.length == 0) {
                throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX record '" + key
                        + "' has an empty value (readers disagree on what that resets)");
            }
            if (records.put(key, value) != null) {
                throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX keyword '" + key
                        + "' appears twice in one header (readers disagree on which one wins)");
            }
            checkKeyword(key, value);
            pos += (int) len;
        }
        return new PaxHeader(records);
    }

    private static void checkKeyword(String key, byte[] value) throws BundleRejectedException {
        if (key.startsWith("GNU.sparse.")) {
            throw new BundleRejectedException(RejectionRule.SPARSE, "-", "PAX sparse-file keyword " + key);
        }
        if (key.equals("path") || key.equals("linkpath") || TEXT.contains(key)) {
            return;
        }
        if (NUMERIC.contains(key)) {
            String s = new String(value, StandardCharsets.US_ASCII);
            if (!s.matches("[0-9]{1,18}")) {
                throw new BundleRejectedException(RejectionRule.BAD_HEADER, "-", "PAX " + key + " '" + s
                        + "' is not a whole non-negative number");
            }
            return;
        }
        String why = key.equals("hdrcharset") || key.equals("charset") ? " (it changes how names are decoded)"
                : key.startsWith("SCHILY.") || key.startsWith("LIBARCHIVE.") ? " (a vendor extension other readers ignore)"
                : " (the bundle writer never writes it, and tar readers disagree on unknown keywords)";
        throw new BundleRejectedException(RejectionRule.PAX, "-", "PAX keyword '" + key + "' is not allowed in bundles" + why);
    }

    /** The {@code path} record, decoded; null if absent. */
    String path() throws BundleRejectedException {
        byte[] v = records.get("path");
        return v == null ? null : TarReader.decode(v, "PAX path");
    }

    /** The {@code linkpath} record, decoded; null if absent. */
    String linkPath() throws BundleRejectedException {
        byte[] v = records.get("linkpath");
        return v == null ? null : TarReader.decode(v, "PAX link path");
    }

    byte[] rawPath() {
        return records.get("path");
    }

    byte[] rawLinkPath() {
        return records.get("linkpath");
    }

    /**
     * Refuses a record that says something else than the header field it overrides: a reader that
     * honours the record and one that trusts the header must see the same entry.
     */
    void requireRestates(String entry, long size, long uid, long gid, long mtime, String uname, String gname)
            throws BundleRejectedException {
        requireNumber(entry, "size", size);
        requireNumber(entry, "uid", uid);
        requireNumber(entry, "gid", gid);
        requireNumber(entry, "mtime", mtime);
        requireText(entry, "uname", uname);
        requireText(entry, "gname", gname);
    }

    private void requireNumber(String entry, String key, long header) throws BundleRejectedException {
        byte[] v = records.get(key);
        if (v != null && Long.parseLong(new String(v, StandardCharsets.US_ASCII)) != header) {
            throw new BundleRejectedException(RejectionRule.PAX_MISMATCH, entry, "the PAX header says " + key + " "
                    + new String(v, StandardCharsets.US_ASCII) + " but the tar header says " + header
                    + "; readers that trust either one would see different archives");
        }
    }

    private void requireText(String entry, String key, String header) throws BundleRejectedException {
        byte[] v = records.get(key);
        if (v != null && !Arrays.equals(v, header.getBytes(StandardCharsets.UTF_8))) {
            throw new BundleRejectedException(RejectionRule.PAX_MISMATCH, entry, "the PAX header says " + key + " '"
                    + new String(v, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?") + "' but the tar header says '" + header + "'");
        }
    }
}
