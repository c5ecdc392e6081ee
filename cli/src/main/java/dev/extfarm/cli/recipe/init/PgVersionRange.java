package dev.extfarm.cli.recipe.init;

import dev.extfarm.recipe.PgMajors;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL majors a PGXN version range admits, out of those a recipe may name
 * ({@link PgMajors#KNOWN}). A range is comma-separated constraints, all of which must hold:
 * {@code 14.0} (at least), {@code >= 12}, {@code < 17.0}, {@code == 15.2}, {@code != 16.1}; {@code 0}
 * means any version. A major M stands for every version from M.0 up to, not including, M+1.
 */
final class PgVersionRange {

    private static final Pattern CONSTRAINT = Pattern.compile("\\s*(==|!=|<=|>=|<|>)?\\s*([0-9]{1,9}(?:\\.[0-9]{1,9})*)(?:[-+][0-9A-Za-z.-]*)?\\s*");

    private PgVersionRange() {
    }

    /** The admitted known majors, ascending; throws IllegalArgumentException with the reason. */
    static List<Integer> admittedMajors(String range) {
        List<Integer> admitted = new ArrayList<>(PgMajors.KNOWN);
        for (String part : range.split(",", -1)) {
            Matcher m = CONSTRAINT.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + part.strip() + "' is not a version constraint such as >= 14.0 or < 18");
            }
            String op = m.group(1) == null ? ">=" : m.group(1);
            int[] v = parse(m.group(2));
            if (v.length == 1 && v[0] == 0 && m.group(1) == null) {
                continue; // "0": any version
            }
            admitted.removeIf(major -> !admits(op, v, major));
        }
        return admitted;
    }

    private static boolean admits(String op, int[] v, int major) {
        int[] start = {major};
        int[] next = {major + 1};
        return switch (op) {
            case ">=", ">" -> compare(v, next) < 0;
            case "<=" -> compare(v, start) >= 0;
            case "<" -> compare(v, start) > 0;
            case "==" -> compare(v, start) >= 0 && compare(v, next) < 0;
            default -> true; // != excludes one version, never a whole major
        };
    }

    private static int[] parse(String version) {
        String[] parts = version.split("\\.");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Integer.parseInt(parts[i]);
        }
        return v;
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            int x = i < a.length ? a[i] : 0;
            int y = i < b.length ? b[i] : 0;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return 0;
    }
}
