package dev.extfarm.registry.catalog;

import java.util.Comparator;

/**
 * Orders versions like people read them: dot/dash separated parts, numbers numerically
 * ({@code 0.10.0 > 0.9.1}), other parts alphabetically, a number beating a word.
 */
public final class VersionOrder implements Comparator<String> {

    public static final VersionOrder INSTANCE = new VersionOrder();

    private VersionOrder() {
    }

    @Override
    public int compare(String a, String b) {
        String[] x = a.split("[.\\-+~_]");
        String[] y = b.split("[.\\-+~_]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "";
            String q = i < y.length ? y[i] : "";
            int c = part(p, q);
            if (c != 0) {
                return c;
            }
        }
        return a.compareTo(b);
    }

    private static int part(String p, String q) {
        boolean pn = !p.isEmpty() && p.chars().allMatch(Character::isDigit);
        boolean qn = !q.isEmpty() && q.chars().allMatch(Character::isDigit);
        if (pn && qn) {
            String ps = p.replaceFirst("^0+(?=.)", "");
            String qs = q.replaceFirst("^0+(?=.)", "");
            return ps.length() != qs.length() ? Integer.compare(ps.length(), qs.length()) : ps.compareTo(qs);
        }
        if (p.isEmpty() != q.isEmpty()) {
            return p.isEmpty() ? -1 : 1;
        }
        if (pn != qn) {
            return pn ? 1 : -1;
        }
        return p.compareTo(q);
    }
}
