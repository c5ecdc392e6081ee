package dev.extfarm.bundle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the entries of a tar are, found leniently (header sizes only) so that it works on archives
 * that were already mutated: each entry from its first extended header to the end of its data.
 */
record TarMap(List<Span> entries, int end) {

    /** An entry: [start, end) in the archive; {@code header} is its own (last) header's offset. */
    record Span(int start, int header, int end) {
    }

    static TarMap of(byte[] tar) {
        List<Span> entries = new ArrayList<>();
        int pos = 0;
        int start = 0;
        while (pos + 512 <= tar.length) {
            if (isZero(tar, pos)) {
                break;
            }
            long size = size(tar, pos);
            if (size < 0 || size > tar.length) {
                break;
            }
            int next = pos + 512 + (int) ((size + 511) / 512 * 512);
            if (next > tar.length) {
                break;
            }
            char type = (char) tar[pos + 156];
            if (type != 'x' && type != 'g' && type != 'L' && type != 'K') {
                entries.add(new Span(start, pos, next));
                start = next;
            }
            pos = next;
        }
        return new TarMap(entries, pos);
    }

    static long size(byte[] tar, int header) {
        String s = new String(tar, header + 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String name(byte[] tar, int header) {
        return new String(nameBytes(tar, header), StandardCharsets.UTF_8);
    }

    static byte[] nameBytes(byte[] tar, int header) {
        int end = header;
        while (end < header + 100 && tar[end] != 0) {
            end++;
        }
        return java.util.Arrays.copyOfRange(tar, header, end);
    }

    private static boolean isZero(byte[] tar, int pos) {
        for (int i = pos; i < pos + 512; i++) {
            if (tar[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
