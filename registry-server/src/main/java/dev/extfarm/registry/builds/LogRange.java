package dev.extfarm.registry.builds;

/**
 * A single {@code Range: bytes=a-b | a- | -n} of a log of {@code size} bytes; anything else is
 * served whole. {@code end} is exclusive.
 */
record LogRange(long start, long end) {

    static final LogRange UNSATISFIABLE = new LogRange(-1, -1);

    /** Null: the whole log (200). {@link #UNSATISFIABLE}: 416. */
    static LogRange parse(String header, long size) {
        if (header == null || !header.strip().regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = header.strip().substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0 || spec.contains(",")) {
            return null;
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        try {
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                return suffix <= 0 || size == 0 ? UNSATISFIABLE : new LogRange(Math.max(0, size - suffix), size);
            }
            long start = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE - 1 : Long.parseLong(b);
            if (start < 0 || last < start) {
                return null;
            }
            return start >= size ? UNSATISFIABLE : new LogRange(start, Math.min(last + 1, size));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
