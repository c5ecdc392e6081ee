package dev.extfarm.recipe;

import java.util.List;

/** The PostgreSQL majors a recipe may name, and the ones the farm serves unless configured. */
public final class PgMajors {

    /** Majors a recipe may list: a recipe naming another one is invalid. */
    public static final List<Integer> KNOWN = List.of(13, 14, 15, 16, 17, 18);

    /** Majors the farm builds for when not configured otherwise. */
    public static final List<Integer> DEFAULT_SERVED = List.of(15, 17, 18);

    private PgMajors() {
    }

    public static boolean isKnown(int major) {
        return KNOWN.contains(major);
    }
}
