package dev.extfarm.registry.feed;

import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The newest finished builds for a feed: the whole farm's or one extension's, through the
 * visibility rule (a private extension's builds reach only those who may see it; for anyone else
 * its feed does not exist).
 */
@ApplicationScoped
public class BuildFeeds {

    public static final int ENTRIES = 50;
    static final List<String> FINAL = List.of("succeeded", "failed", "cached", "cancelled", "farm-error");

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;

    /** Empty when the extension is not visible to this viewer (or unknown). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<List<FeedEntry>> extension(Viewer viewer, String name, String statuses) {
        if (!visibility.canSee(viewer, name)
                || em.createNativeQuery("SELECT 1 FROM extension WHERE name = :n").setParameter("n", name).getResultList().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(query(" AND extension_name = :e", name, Set.of(), statuses(statuses)));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<FeedEntry> all(Viewer viewer, String statuses) {
        return query("", null, visibility.hiddenFrom(viewer), statuses(statuses));
    }

    @SuppressWarnings("unchecked")
    private List<FeedEntry> query(String extra, String extension, Set<String> hidden, List<String> statuses) {
        Query q = em.createNativeQuery("SELECT id, extension_name, version, pg_major, platform, status, failure_cause, failure_step, "
                + "failure_responsibility, failure_message, bundle_sha256, worker_id, started_at, finished_at FROM build "
                + "WHERE finished_at IS NOT NULL AND status IN (:statuses)" + extra
                + (hidden.isEmpty() ? "" : " AND extension_name NOT IN (:hidden)") + " ORDER BY finished_at DESC, id DESC")
                .setParameter("statuses", statuses).setMaxResults(ENTRIES);
        if (extension != null) {
            q.setParameter("e", extension);
        }
        if (!hidden.isEmpty()) {
            q.setParameter("hidden", hidden);
        }
        List<FeedEntry> out = new ArrayList<>();
        for (Object[] r : (List<Object[]>) q.getResultList()) {
            out.add(new FeedEntry(((Number) r[0]).longValue(), (String) r[1], (String) r[2], ((Number) r[3]).intValue(), (String) r[4],
                    (String) r[5], (String) r[6], (String) r[7], (String) r[8], (String) r[9], (String) r[10], (String) r[11],
                    instant(r[12]), instant(r[13])));
        }
        return out;
    }

    /** "failed,farm-error" → those; empty → every final status. */
    static List<String> statuses(String text) {
        if (text == null || text.isBlank()) {
            return FINAL;
        }
        List<String> list = Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String s : list) {
            if (!FINAL.contains(s)) {
                throw ExtfarmException.invalid("invalid-filter", "status '" + s + "' is not a final build status; use "
                        + String.join(", ", FINAL));
            }
        }
        return list;
    }

    static Instant instant(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (v instanceof Timestamp t) {
            return t.toInstant();
        }
        if (v instanceof Instant i) {
            return i;
        }
        throw new IllegalStateException("unexpected timestamp type " + v.getClass());
    }
}
