package dev.extfarm.recipe;

import java.util.List;
import java.util.TreeSet;

/**
 * What a recipe is validated against: the PostgreSQL majors this farm serves. A recipe without
 * {@code pg} builds for all of them; majors it lists that the farm does not serve are skipped
 * with a warning.
 */
public record ValidationOptions(List<Integer> servedPgMajors) {

    public ValidationOptions {
        if (servedPgMajors.isEmpty()) {
            throw new IllegalArgumentException("the farm must serve at least one PostgreSQL major");
        }
        for (int major : servedPgMajors) {
            if (!PgMajors.isKnown(major)) {
                throw new IllegalArgumentException("PostgreSQL " + major + " is not one of " + PgMajors.KNOWN);
            }
        }
        servedPgMajors = List.copyOf(new TreeSet<>(servedPgMajors));
    }

    public static ValidationOptions defaults() {
        return new ValidationOptions(PgMajors.DEFAULT_SERVED);
    }
}
