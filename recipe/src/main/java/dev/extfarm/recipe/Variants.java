package dev.extfarm.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code variants:}, the per-major versions and sources of a recipe whose upstream keeps one
 * release line per PostgreSQL major:
 *
 * <pre>
 * variants:
 *   - pg: [15]
 *     version: 1.7.1
 *     source: {url: https://..., sha256: ...}
 * </pre>
 *
 * Each variant lists its majors (among those the recipe builds for, each in at most one variant),
 * a version and a source. A variant's source cannot be {@code bundled}: {@code source/} holds the
 * one archive the top-level source names.
 */
final class Variants {

    /** What was read: the variant of each major, and whether everything in it was valid. */
    record Read(Map<Integer, Recipe.Variant> byMajor, boolean valid) {

        /** Whether every major the recipe builds for has a variant (top-level version and source are then optional). */
        boolean coverAll(List<Integer> pgMajors) {
            return !pgMajors.isEmpty() && byMajor.keySet().containsAll(pgMajors);
        }
    }

    private Variants() {
    }

    static Read read(MappingReader top, List<Integer> recipeMajors, ValidationOptions options) {
        Problems problems = top.problems();
        int errorsBefore = problems.errorCount();
        Map<Integer, Recipe.Variant> byMajor = new LinkedHashMap<>();
        List<Recipe.Variant> variants = top.list("variants", (node, field) -> top.item(node, field).flatMap(v -> {
            Optional<YamlNode.Entry> pg = v.entry("pg");
            List<Integer> majors = List.of();
            if (pg.isEmpty()) {
                problems.error(v.missingPosition(), v.field("pg"), "is required: the PostgreSQL majors this variant is for, e.g. [15]");
            } else {
                majors = RecipeParser.listedPgMajors(v, pg.get(), options, false);
            }
            Optional<String> version = v.requiredString("version")
                    .filter(text -> SourceSection.check(v, "version", text, RecipeParser.VERSION, RecipeParser.VERSION_RULE));
            Optional<Recipe.Source> source = SourceSection.read(v);
            if (source.isPresent() && source.get() instanceof Recipe.BundledSource) {
                problems.error(v.keyPosition("source").orElseThrow(), v.field("source"),
                        "a variant's source must be url, debian_source or git: source/ holds the one archive the top-level source names");
                source = Optional.empty();
            }
            v.finish();
            for (int major : majors) {
                if (!recipeMajors.contains(major)) {
                    problems.error(pg.get().keyPosition(), v.field("pg"), "PostgreSQL " + major
                            + " is not among the majors the recipe builds for (" + recipeMajors + "); add it to pg or drop it here");
                }
            }
            if (version.isEmpty() || source.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Recipe.Variant(majors, version.get(), source.get()));
        }));
        top.entry("variants").ifPresent(e -> {
            if (e.value() instanceof YamlNode.Sequence seq && seq.items().isEmpty()) {
                problems.error(e.keyPosition(), "variants", "is empty; leave it out when one version serves every major");
            }
        });
        for (Recipe.Variant variant : variants) {
            for (int major : variant.pgMajors()) {
                if (!recipeMajors.contains(major)) {
                    continue;
                }
                if (byMajor.putIfAbsent(major, variant) != null) {
                    problems.error(top.keyPosition("variants").orElseThrow(), "variants",
                            "PostgreSQL " + major + " is in two variants; each major has one version");
                }
            }
        }
        return new Read(Map.copyOf(byMajor), problems.errorCount() == errorsBefore);
    }
}
