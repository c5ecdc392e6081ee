package dev.extfarm.registry.farm;

import static dev.extfarm.registry.farm.FarmStatus.bindHidden;
import static dev.extfarm.registry.farm.FarmStatus.notHidden;
import static dev.extfarm.registry.farm.SqlValues.instant;
import static dev.extfarm.registry.farm.SqlValues.number;

import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.farm.FarmViews.CauseGroup;
import dev.extfarm.registry.farm.FarmViews.Example;
import dev.extfarm.registry.farm.FarmViews.ExtensionCount;
import dev.extfarm.registry.farm.FarmViews.Failures;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Failed builds ({@code failed} and {@code farm-error}) grouped by cause, so a packager sees at a
 * glance "12 builds failed: 7 missing-build-dependency, 3 patch-rejected, ...". Counted in SQL;
 * only the latest example of each cause is read whole.
 */
@ApplicationScoped
public class FailureGroups {

    /** Optional filters: since (date or timestamp), extension, PG major; current = only builds still the latest of their extension × major × platform. */
    public record Filter(String since, String extension, Integer pg, boolean current) {
    }

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;

    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public Failures failures(Viewer viewer, Filter f) {
        Set<String> hidden = visibility.hiddenFrom(viewer);
        StringBuilder where = new StringBuilder(" FROM build b WHERE b.status IN ('failed', 'farm-error') AND b.failure_cause IS NOT NULL");
        Map<String, Object> params = new HashMap<>();
        Instant since = since(f.since());
        if (since != null) {
            where.append(" AND b.finished_at >= :since");
            params.put("since", since.atOffset(ZoneOffset.UTC));
        }
        if (f.extension() != null && !f.extension().isBlank()) {
            where.append(" AND b.extension_name = :extension");
            params.put("extension", f.extension().strip());
        }
        if (f.pg() != null) {
            where.append(" AND b.pg_major = :pg");
            params.put("pg", f.pg());
        }
        if (f.current()) {
            where.append(" AND NOT EXISTS (SELECT 1 FROM build n WHERE n.extension_name = b.extension_name"
                    + " AND n.pg_major = b.pg_major AND n.platform = b.platform AND n.id > b.id AND n.reason <> 'reproducibility')");
        }
        where.append(notHidden("b", hidden));
        Query q = em.createNativeQuery("SELECT b.failure_cause, coalesce(b.failure_responsibility, 'unknown'), b.failure_step, "
                + "b.extension_name, count(*), max(b.id)" + where + " GROUP BY 1, 2, 3, 4");
        params.forEach(q::setParameter);
        bindHidden(q, hidden);
        Map<String, Group> groups = new LinkedHashMap<>();
        long total = 0;
        for (Object[] r : (List<Object[]>) q.getResultList()) {
            long n = number(r[4]);
            total += n;
            Group g = groups.computeIfAbsent((String) r[0], Group::new);
            g.count += n;
            g.responsibility.merge((String) r[1], n, Long::sum);
            g.steps.merge(r[2] == null ? "unknown" : (String) r[2], n, Long::sum);
            g.extensions.merge((String) r[3], n, Long::sum);
            g.latest = Math.max(g.latest, number(r[5]));
        }
        Map<Long, Example> examples = examples(groups.values().stream().map(g -> g.latest).toList());
        List<CauseGroup> out = new ArrayList<>();
        for (Group g : groups.values()) {
            List<ExtensionCount> exts = g.extensions.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .map(e -> new ExtensionCount(e.getKey(), e.getValue())).toList();
            out.add(new CauseGroup(g.cause, g.count, sorted(g.responsibility), sorted(g.steps), exts, examples.get(g.latest)));
        }
        out.sort(Comparator.comparingLong(CauseGroup::count).reversed().thenComparing(CauseGroup::cause));
        return new Failures(since, total, out);
    }

    @SuppressWarnings("unchecked")
    private Map<Long, Example> examples(List<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<Long, Example> m = new HashMap<>();
        List<Object[]> rows = em.createNativeQuery("SELECT id, extension_name, version, pg_major, platform, failure_step, "
                + "failure_message, finished_at FROM build WHERE id IN (:ids)").setParameter("ids", ids).getResultList();
        for (Object[] r : rows) {
            long id = number(r[0]);
            m.put(id, new Example(id, (String) r[1], (String) r[2], (int) number(r[3]), (String) r[4], (String) r[5],
                    (String) r[6], instant(r[7])));
        }
        return m;
    }

    private static Map<String, Long> sorted(Map<String, Long> counts) {
        Map<String, Long> m = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    static Instant since(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text.strip()).atStartOfDay().toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw ExtfarmException.invalid("invalid-filter", "since must be a date (2026-11-23) or a timestamp "
                        + "(2026-11-23T10:00:00Z); got '" + text + "'");
            }
        }
    }

    private static final class Group {
        final String cause;
        long count;
        long latest;
        final Map<String, Long> responsibility = new HashMap<>();
        final Map<String, Long> steps = new HashMap<>();
        final Map<String, Long> extensions = new HashMap<>();

        Group(String cause) {
            this.cause = cause;
        }
    }
}
