package dev.extfarm.registry.serving;

/**
 * The status of a GET/HEAD of stored bytes and the bytes it carries, as {@link BlobServing#answer}
 * decides it: 304 (nothing), 200 (all), 206 (one range), 416 (nothing; {@code Content-Range: bytes *}/size).
 *
 * @param status 200, 206, 304 or 416
 * @param start  first byte sent
 * @param length bytes sent (0 for 304 and 416)
 * @param size   the blob's size
 */
public record RangeAnswer(int status, long start, long length, long size) {

    static RangeAnswer notModified(long size) {
        return new RangeAnswer(304, 0, 0, size);
    }

    static RangeAnswer whole(long size) {
        return new RangeAnswer(200, 0, size, size);
    }

    static RangeAnswer unsatisfiable(long size) {
        return new RangeAnswer(416, 0, 0, size);
    }

    static RangeAnswer partial(long start, long end, long size) {
        return new RangeAnswer(206, start, end - start + 1, size);
    }

    public boolean isNotModified() {
        return status == 304;
    }

    public boolean isUnsatisfiable() {
        return status == 416;
    }

    public boolean isPartial() {
        return status == 206;
    }

    /** The last byte sent (inclusive). */
    public long end() {
        return start + length - 1;
    }

    /** The {@code Content-Range} header of a 206 or 416, null otherwise. */
    public String contentRange() {
        return switch (status) {
            case 206 -> "bytes " + start + "-" + end() + "/" + size;
            case 416 -> "bytes */" + size;
            default -> null;
        };
    }

    /**
     * A {@code Range} header against a size. One {@code bytes=first-[last]} or {@code bytes=-suffix}
     * range is served (206), clamped to the size; a range that starts at or past the end, a suffix of
     * 0 or any range of an empty blob is 416. What is not one valid byte range (no header, another
     * unit, several ranges, numbers with signs or other characters, last before first) is ignored, as
     * RFC 9110 §14.2 allows: the whole body (200).
     */
    public static RangeAnswer of(String header, long size) {
        if (header == null) {
            return whole(size);
        }
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return whole(size);
        }
        String spec = h.substring(6).strip();
        int dash = spec.indexOf('-');
        if (spec.contains(",") || dash < 0) {
            return whole(size);
        }
        String first = spec.substring(0, dash).strip();
        String last = spec.substring(dash + 1).strip();
        if (first.isEmpty()) {
            if (!isDigits(last)) {
                return whole(size);
            }
            long suffix = number(last);
            return suffix == 0 || size == 0 ? unsatisfiable(size) : partial(Math.max(0, size - suffix), size - 1, size);
        }
        if (!isDigits(first) || !(last.isEmpty() || isDigits(last))) {
            return whole(size);
        }
        long start = number(first);
        long end = last.isEmpty() ? Long.MAX_VALUE : number(last);
        if (end < start) {
            return whole(size);
        }
        return start >= size ? unsatisfiable(size) : partial(start, Math.min(end, size - 1), size);
    }

    private static boolean isDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** Digits as a number; more than a long holds is "past any end" (a byte position cannot be larger). */
    private static long number(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
