package dev.extfarm.worker.reproducibility;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Names the likely cause of a difference between the published and the rebuilt bytes of one
 * entry, the usual suspects of reproducible-builds.org first:
 * <ul>
 * <li>{@code build-path}: either side holds its own build directory (the first build ran in
 *     {@code /build/src}, the rebuild in another directory);</li>
 * <li>{@code timestamp}: the bytes that differ read as a date or time (text like {@code 15:04:05},
 *     {@code 2026-12-07}, {@code Dec  7 2026}) or as a 32/64-bit Unix time of this century that
 *     differs between the sides;</li>
 * <li>{@code file-order}: the same lines (text) or the same bytes (binary) in another order;</li>
 * <li>{@code other}: anything else, and entries missing on one side.</li>
 * </ul>
 * A heuristic over untrusted bytes: it only reads arrays it is given, bounded by the caller.
 */
public final class DifferenceClassifier {

    public static final String TIMESTAMP = "timestamp";
    public static final String BUILD_PATH = "build-path";
    public static final String FILE_ORDER = "file-order";
    public static final String OTHER = "other";

    /** Bytes around each differing run that are looked at for a date. */
    private static final int CONTEXT = 24;
    private static final Pattern DATE_TEXT = Pattern.compile(
            "\\d{1,2}:\\d{2}:\\d{2}|(19|20)\\d{2}-[01]\\d-[0-3]\\d|(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-3]\\d"
                    + "|(Mon|Tue|Wed|Thu|Fri|Sat|Sun),? ");
    private static final long YEAR_2000 = 946_684_800L;

    private final byte[] publishedDir;
    private final byte[] rebuiltDir;

    /** @param publishedDir the first build's directory ({@code /build/src}); {@code rebuiltDir} the rebuild's */
    public DifferenceClassifier(String publishedDir, String rebuiltDir) {
        this.publishedDir = publishedDir.getBytes(StandardCharsets.US_ASCII);
        this.rebuiltDir = rebuiltDir.getBytes(StandardCharsets.US_ASCII);
    }

    /** The likely cause for two versions of one file's bytes. */
    public String classify(byte[] published, byte[] rebuilt) {
        // the rebuild's directory can only be in its output if the build path is embedded
        if (indexOf(rebuilt, rebuiltDir) >= 0
                || indexOf(published, publishedDir) >= 0 && indexOf(rebuilt, publishedDir) < 0) {
            return BUILD_PATH;
        }
        if (differsInTime(published, rebuilt)) {
            return TIMESTAMP;
        }
        if (sameContentOtherOrder(published, rebuilt)) {
            return FILE_ORDER;
        }
        return OTHER;
    }

    private static boolean differsInTime(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        int runs = 0;
        for (int i = 0; i < n && runs < 64; i++) {
            if (a[i] == b[i]) {
                continue;
            }
            int end = i;
            while (end < n && a[end] != b[end]) {
                end++;
            }
            runs++;
            if (dateText(a, i, end) && dateText(b, i, end) || unixTimes(a, b, i, end)) {
                return true;
            }
            i = end;
        }
        return false;
    }

    /** A date or time written as text overlaps the differing run [from, to). */
    private static boolean dateText(byte[] bytes, int from, int to) {
        int start = Math.max(0, from - CONTEXT);
        int end = Math.min(bytes.length, to + CONTEXT);
        var m = DATE_TEXT.matcher(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            if (start + m.start() < to && start + m.end() > from) {
                return true;
            }
        }
        return false;
    }

    /**
     * The differing run lies in a 32- or 64-bit little-endian integer that is a plausible Unix time
     * on both sides, the two within 30 days of each other (random bytes rarely are).
     */
    private static boolean unixTimes(byte[] a, byte[] b, int from, int to) {
        long latest = Instant.now().getEpochSecond() + 366L * 86400;
        for (int width : new int[] {4, 8}) {
            for (int at = Math.max(0, from - width + 1); at <= from && at + width <= a.length && at + width <= b.length; at++) {
                if (at + width < to) {
                    continue; // the integer must cover the whole run
                }
                long x = le(a, at, width);
                long y = le(b, at, width);
                if (x >= YEAR_2000 && x <= latest && y >= YEAR_2000 && y <= latest && Math.abs(x - y) <= 30L * 86400) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long le(byte[] b, int at, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    private static boolean sameContentOtherOrder(byte[] a, byte[] b) {
        if (a.length != b.length || Arrays.equals(a, b)) {
            return false;
        }
        if (isText(a) && isText(b)) {
            String[] la = new String(a, StandardCharsets.ISO_8859_1).split("\n", -1);
            String[] lb = new String(b, StandardCharsets.ISO_8859_1).split("\n", -1);
            Arrays.sort(la);
            Arrays.sort(lb);
            return Arrays.equals(la, lb);
        }
        byte[] sa = a.clone();
        byte[] sb = b.clone();
        Arrays.sort(sa);
        Arrays.sort(sb);
        return Arrays.equals(sa, sb);
    }

    private static boolean isText(byte[] bytes) {
        for (byte c : bytes) {
            if (c == 0) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
