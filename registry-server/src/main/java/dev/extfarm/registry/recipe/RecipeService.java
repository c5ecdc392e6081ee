package dev.extfarm.registry.recipe;

import dev.extfarm.recipe.InvalidRecipeException;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeCheck;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.RecipeProblem;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.builds.BuildScheduler;
import dev.extfarm.registry.builds.DbClock;
import dev.extfarm.registry.builds.FarmTargets;
import dev.extfarm.registry.catalog.Ownership;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Array;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recipe pushes: validated exactly as {@code extfarm recipe lint} does (the recipe module, against
 * the majors this farm serves), stored as an immutable revision, one build queued per major. A
 * revision that is already known schedules nothing.
 */
@ApplicationScoped
public class RecipeService {

    /** The outcome of a push or a rebuild. */
    public record PushResult(String revision, String extension, String version, List<BuildScheduler.Scheduled> scheduled,
                             boolean unchanged, String message, List<String> warnings) {
    }

    /** One stored revision, without its files. */
    public record RevisionView(String revision, String version, String sourceSha256, List<Integer> pgMajors,
                               OffsetDateTime pushedAt) {
    }

    @Inject
    EntityManager em;
    @Inject
    FarmTargets targets;
    @Inject
    Ownership ownership;
    @Inject
    BuildScheduler scheduler;
    @Inject
    Visibility visibility;
    @Inject
    SourceAddresses sourceAddresses;

    @Transactional
    public PushResult push(Principal who, byte[] transportJson) {
        RecipeBundle bundle;
        try {
            bundle = RecipeTransport.fromJson(transportJson);
        } catch (InvalidRecipeException e) {
            throw invalid(e.problems());
        }
        RecipeCheck check = RecipeParser.check(bundle, "", targets.validationOptions());
        if (check.hasErrors()) {
            throw invalid(check.problems());
        }
        Recipe recipe = check.recipe().orElseThrow();
        List<String> warnings = new ArrayList<>(check.warnings().stream().map(RecipeProblem::toString).toList());
        sourceAddresses.check(recipe).ifPresent(warnings::add);
        ownership.claimForPush(who, recipe.name());
        String digest = bundle.revision().sha256();
        String short12 = digest.substring(0, 12);
        if (digest.equals(latest(recipe.name()).map(r -> (String) r[0]).orElse(null))) {
            return new PushResult(digest, recipe.name(), recipe.version(), List.of(), true, "revision " + short12 + " is already "
                    + recipe.name() + "'s current recipe: nothing scheduled. To build it again: POST /api/v1/recipes/"
                    + recipe.name() + "/rebuild", warnings);
        }
        int stored = em.createNativeQuery("INSERT INTO recipe_revision (digest, extension_name, version, source_sha256, "
                        + "pg_majors, transport, pushed_by) VALUES (:d, :n, :v, :s, cast(:m as integer[]), :t, :p) ON CONFLICT DO NOTHING")
                .setParameter("d", digest).setParameter("n", recipe.name()).setParameter("v", recipe.version())
                .setParameter("s", recipe.source().sha256()).setParameter("m", pgArray(recipe.pgMajors()))
                .setParameter("t", RecipeTransport.toJson(bundle)).setParameter("p", who.tokenId()).executeUpdate();
        em.createNativeQuery("INSERT INTO recipe_push (extension_name, revision, pushed_by) VALUES (:n, :d, :p)")
                .setParameter("n", recipe.name()).setParameter("d", digest).setParameter("p", who.tokenId()).executeUpdate();
        var scheduled = schedule(digest, recipe, recipe.pgMajors(), false, who.tokenId());
        String what = stored == 1 ? "stored" : "was pushed before and is current again (builds with unchanged inputs are "
                + "answered from the build cache)";
        return new PushResult(digest, recipe.name(), recipe.version(), scheduled, false, "revision " + short12 + " of "
                + recipe.name() + " " + versions(recipe) + " " + what + "; " + scheduled.size() + " build(s) queued", warnings);
    }

    /** One build per major, each of its major's version and source (a recipe's variants differ per major). */
    private List<BuildScheduler.Scheduled> schedule(String digest, Recipe recipe, List<Integer> majors, boolean rebuild, Long who) {
        List<BuildScheduler.Scheduled> out = new ArrayList<>();
        for (int major : majors) {
            out.addAll(scheduler.schedule(new BuildScheduler.Revision(digest, recipe.name(), recipe.versionFor(major),
                    recipe.sourceFor(major).sha256()), List.of(major), rebuild, who));
        }
        return out;
    }

    /** {@code 0.8.1}, or with variants {@code 17.1 (15: 1.7.1, 17: 17.1, 18: 18.0)}. */
    private static String versions(Recipe recipe) {
        if (recipe.variants().isEmpty()) {
            return recipe.version();
        }
        return recipe.version() + " (" + String.join(", ", recipe.pgMajors().stream()
                .map(m -> m + ": " + recipe.versionFor(m)).toList()) + ")";
    }

    /** The current revision of an extension: {digest, version, source_sha256, transport}. */
    private Optional<Object[]> latest(String extension) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT r.digest, r.version, r.source_sha256, r.transport FROM recipe_push p "
                + "JOIN recipe_revision r ON r.digest = p.revision WHERE p.extension_name = :n ORDER BY p.id DESC LIMIT 1")
                .setParameter("n", extension).getResultList();
        return rows.stream().findFirst();
    }

    /**
     * Queues the latest revision again for every major it builds for on this farm now (or only
     * {@code pgMajor}), bypassing the build cache; majors with a queued or running build of it are skipped.
     */
    @Transactional
    public PushResult rebuild(Principal who, String extension, Optional<Integer> pgMajor) {
        ownership.requireOwner(who, extension);
        Object[] row = latest(extension).orElseThrow(() -> ExtfarmException.notFound("recipe-not-found",
                "no recipe was pushed for '" + extension + "'; push one with POST /api/v1/recipes (extfarm recipe push DIR)"));
        String digest = (String) row[0];
        Recipe recipe;
        try {
            recipe = RecipeParser.parse(RecipeTransport.fromJson((String) row[3]), "", targets.validationOptions());
        } catch (InvalidRecipeException e) {
            throw ExtfarmException.conflict("recipe-outdated", "the latest recipe of '" + extension
                    + "' is no longer valid on this farm; push a corrected one:\n" + e.getMessage());
        }
        List<Integer> majors = recipe.pgMajors();
        if (pgMajor.isPresent()) {
            if (!majors.contains(pgMajor.get())) {
                throw ExtfarmException.invalid("invalid-pg", "the latest recipe of '" + extension + "' does not build for PostgreSQL "
                        + pgMajor.get() + " on this farm (it builds for " + majors + ")");
            }
            majors = List.of(pgMajor.get());
        }
        var scheduled = schedule(digest, recipe, majors, true, who.tokenId());
        String message = scheduled.isEmpty() ? "every requested major already has a queued or running build of revision "
                + digest.substring(0, 12) + "; nothing scheduled" : scheduled.size() + " rebuild(s) of revision "
                + digest.substring(0, 12) + " queued (the build cache is bypassed)";
        return new PushResult(digest, extension, (String) row[1], scheduled, false, message, List.of());
    }

    /** The pushes of an extension's recipe, newest (the current revision) first; empty when the viewer may not see it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<List<RevisionView>> revisions(Viewer viewer, String extension) {
        if (!visibility.canSee(viewer, extension)) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT r.digest, r.version, r.source_sha256, r.pg_majors, p.pushed_at "
                + "FROM recipe_push p JOIN recipe_revision r ON r.digest = p.revision WHERE p.extension_name = :n ORDER BY p.id DESC")
                .setParameter("n", extension).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        List<RevisionView> out = new ArrayList<>();
        for (Object[] r : rows) {
            out.add(new RevisionView((String) r[0], (String) r[1], (String) r[2], majors(r[3]), DbClock.toOffsetDateTime(r[4])));
        }
        return Optional.of(out);
    }

    /** The transport JSON of one revision, as workers receive it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> transport(Viewer viewer, String extension, String digest) {
        if (!visibility.canSee(viewer, extension)) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery("SELECT transport FROM recipe_revision WHERE extension_name = :n AND digest = :d")
                .setParameter("n", extension).setParameter("d", digest).getResultList();
        return rows.stream().findFirst();
    }

    static ExtfarmException invalid(List<RecipeProblem> problems) {
        List<Map<String, Object>> errors = new ArrayList<>();
        List<Map<String, Object>> warnings = new ArrayList<>();
        for (RecipeProblem p : problems) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", p.file());
            m.put("line", p.line());
            m.put("column", p.column());
            m.put("field", p.field());
            m.put("message", p.message());
            m.put("text", p.toString());
            if (!p.rule().isEmpty()) {
                m.put("rule", p.rule());
            }
            (p.isError() ? errors : warnings).add(m);
        }
        String detail = new InvalidRecipeException(problems).getMessage()
                + "\n(run 'extfarm recipe lint DIR' for the same report before pushing)";
        // when every error breaks the same named rule (source-url-scheme, ...), the problem type names it
        List<String> rules = problems.stream().filter(RecipeProblem::isError).map(RecipeProblem::rule).distinct().toList();
        String type = rules.size() == 1 && !rules.get(0).isEmpty() ? rules.get(0) : "invalid-recipe";
        return new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, type, "Invalid recipe", detail)
                .with("errors", errors).with("warnings", warnings);
    }

    private static String pgArray(List<Integer> majors) {
        return "{" + String.join(",", majors.stream().map(String::valueOf).toList()) + "}";
    }

    private static List<Integer> majors(Object array) {
        List<Integer> out = new ArrayList<>();
        if (array instanceof Object[] a) {
            for (Object o : a) {
                out.add(((Number) o).intValue());
            }
        } else if (array instanceof int[] a) {
            for (int i : a) {
                out.add(i);
            }
        } else if (array instanceof Array a) {
            try {
                for (Object o : (Object[]) a.getArray()) {
                    out.add(((Number) o).intValue());
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
