package dev.extfarm.registry.farm;

import static dev.extfarm.registry.farm.SqlValues.instant;
import static dev.extfarm.registry.farm.SqlValues.number;

import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.builds.FarmTargets;
import dev.extfarm.registry.builds.QueueConfig;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.farm.FarmViews.Current;
import dev.extfarm.registry.farm.FarmViews.Farm;
import dev.extfarm.registry.farm.FarmViews.Hour;
import dev.extfarm.registry.farm.FarmViews.Queue;
import dev.extfarm.registry.farm.FarmViews.TargetQueue;
import dev.extfarm.registry.farm.FarmViews.Throughput;
import dev.extfarm.registry.farm.FarmViews.Worker;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The farm as packagers see it (workers seen in the last 7 days), read from the build queue's tables: workers (from their claims
 * and the leases they renew), queue length per target, and throughput. Builds of extensions the
 * viewer may not see are left out of every number ({@link Visibility}).
 */
@ApplicationScoped
public class FarmStatus {

    /** A worker not seen for longer than this is "away" rather than "idle". */
    static final Duration IDLE_WINDOW = Duration.ofMinutes(15);

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;
    @Inject
    FarmTargets targets;
    @Inject
    QueueConfig queueConfig;

    @Transactional(Transactional.TxType.SUPPORTS)
    public Farm farm(Viewer viewer) {
        Set<String> hidden = visibility.hiddenFrom(viewer);
        Instant now = instant(em.createNativeQuery("SELECT now()").getSingleResult());
        return new Farm(now, workers(hidden, now), queue(hidden), throughput(hidden, now));
    }

    @SuppressWarnings("unchecked")
    private List<Worker> workers(Set<String> hidden, Instant now) {
        // last activity and 24 h counts from the attempts; the current job from the running builds
        Query q = em.createNativeQuery("SELECT a.worker_id, max(greatest(a.claimed_at, coalesce(a.ended_at, a.claimed_at))), "
                + "count(*) FILTER (WHERE a.claimed_at > now() - interval '24 hours'), "
                + "count(*) FILTER (WHERE a.outcome = 'failed' AND a.ended_at > now() - interval '24 hours') "
                + "FROM build_attempt a JOIN build b ON b.id = a.build_id "
                + "WHERE a.claimed_at > now() - interval '7 days'" + notHidden("b", hidden)
                + " GROUP BY a.worker_id");
        bindHidden(q, hidden);
        Map<String, Object[]> seen = new TreeMap<>();
        for (Object[] r : (List<Object[]>) q.getResultList()) {
            seen.put((String) r[0], r);
        }
        Map<String, Current> current = new HashMap<>();
        Map<String, Instant> heartbeat = new HashMap<>();
        List<Object[]> running = em.createNativeQuery("SELECT worker_id, id, extension_name, version, pg_major, current_step, "
                + "started_at, lease_expires_at FROM build WHERE status = 'running' AND worker_id IS NOT NULL ORDER BY id").getResultList();
        long ttl = queueConfig.leaseTtl().toMillis();
        for (Object[] r : running) {
            String worker = (String) r[0];
            Instant lastBeat = instant(r[7]) == null ? null : instant(r[7]).minusMillis(ttl);
            heartbeat.merge(worker, lastBeat == null ? Instant.EPOCH : lastBeat, (a, b) -> a.isAfter(b) ? a : b);
            String extension = (String) r[2];
            Current c = hidden.contains(extension)
                    ? new Current(null, null, null, null, null, null, lastBeat, true)
                    : new Current(number(r[1]), extension, (String) r[3], (int) number(r[4]), (String) r[5], instant(r[6]), lastBeat, null);
            current.putIfAbsent(worker, c);
        }
        Map<String, Worker> workers = new TreeMap<>();
        for (String id : union(seen.keySet(), current.keySet())) {
            Object[] r = seen.get(id);
            Instant last = r == null ? null : instant(r[1]);
            Instant beat = heartbeat.get(id);
            if (beat != null && (last == null || beat.isAfter(last))) {
                last = beat;
            }
            String state = current.containsKey(id) ? "busy"
                    : last != null && Duration.between(last, now).compareTo(IDLE_WINDOW) <= 0 ? "idle" : "away";
            workers.put(id, new Worker(id, state, last, current.get(id), r == null ? 0 : number(r[2]), r == null ? 0 : number(r[3])));
        }
        return List.copyOf(workers.values());
    }

    @SuppressWarnings("unchecked")
    private Queue queue(Set<String> hidden) {
        Query q = em.createNativeQuery("SELECT pg_major, platform, count(*) FILTER (WHERE status = 'queued'), "
                + "count(*) FILTER (WHERE status = 'running'), min(queued_at) FILTER (WHERE status = 'queued') "
                + "FROM build b WHERE status IN ('queued', 'running')" + notHidden("b", hidden) + " GROUP BY pg_major, platform");
        bindHidden(q, hidden);
        Map<String, TargetQueue> byTarget = new TreeMap<>();
        targets.all().forEach((major, platform) -> byTarget.put(key(major, platform), new TargetQueue(major, platform, 0, 0)));
        long queued = 0;
        long runningTotal = 0;
        Instant oldest = null;
        for (Object[] r : (List<Object[]>) q.getResultList()) {
            int major = (int) number(r[0]);
            long qd = number(r[2]);
            long rn = number(r[3]);
            byTarget.put(key(major, (String) r[1]), new TargetQueue(major, (String) r[1], qd, rn));
            queued += qd;
            runningTotal += rn;
            Instant o = instant(r[4]);
            if (o != null && (oldest == null || o.isBefore(oldest))) {
                oldest = o;
            }
        }
        List<TargetQueue> list = new ArrayList<>(byTarget.values());
        list.sort((a, b) -> a.pgMajor() != b.pgMajor() ? Integer.compare(b.pgMajor(), a.pgMajor()) : a.platform().compareTo(b.platform()));
        return new Queue(queued, runningTotal, oldest, list);
    }

    @SuppressWarnings("unchecked")
    private Throughput throughput(Set<String> hidden, Instant now) {
        Query byStatus = em.createNativeQuery("SELECT status, count(*) FILTER (WHERE finished_at > now() - interval '1 hour'), count(*) "
                + "FROM build b WHERE finished_at > now() - interval '24 hours'" + notHidden("b", hidden) + " GROUP BY status ORDER BY status");
        bindHidden(byStatus, hidden);
        Map<String, Long> hour = new LinkedHashMap<>();
        Map<String, Long> day = new LinkedHashMap<>();
        for (Object[] r : (List<Object[]>) byStatus.getResultList()) {
            hour.put((String) r[0], number(r[1]));
            day.put((String) r[0], number(r[2]));
        }
        Query hourly = em.createNativeQuery("SELECT date_trunc('hour', finished_at), count(*), "
                + "count(*) FILTER (WHERE status IN ('failed', 'farm-error')) FROM build b "
                + "WHERE finished_at > date_trunc('hour', now()) - interval '23 hours'" + notHidden("b", hidden) + " GROUP BY 1");
        bindHidden(hourly, hidden);
        Map<Instant, Object[]> buckets = new HashMap<>();
        for (Object[] r : (List<Object[]>) hourly.getResultList()) {
            buckets.put(instant(r[0]), r);
        }
        List<Hour> hours = new ArrayList<>();
        Instant top = now.truncatedTo(ChronoUnit.HOURS);
        for (int i = 23; i >= 0; i--) {
            Instant h = top.minus(i, ChronoUnit.HOURS);
            Object[] r = buckets.get(h);
            hours.add(new Hour(h, r == null ? 0 : number(r[1]), r == null ? 0 : number(r[2])));
        }
        Query median = em.createNativeQuery("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)) "
                + "FROM build b WHERE status = 'succeeded' AND started_at IS NOT NULL AND finished_at > now() - interval '24 hours'"
                + notHidden("b", hidden));
        bindHidden(median, hidden);
        Object m = median.getSingleResult();
        return new Throughput(hour, day, hours, m == null ? null : Math.round(((Number) m).doubleValue() * 1000));
    }

    /** The newest build per extension × major × platform, for catalog status dots (one query for a page of cards). */
    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public FarmViews.LatestBuilds latest(Viewer viewer, String extensions) {
        List<String> names = extensions == null ? List.of()
                : Arrays.stream(extensions.split(",")).map(String::strip).filter(n -> !n.isEmpty()).distinct().toList();
        if (names.size() > 100) {
            throw ExtfarmException.invalid("invalid-filter", "ask for at most 100 extensions at once");
        }
        List<String> visible = names.stream().filter(n -> visibility.canSee(viewer, n)).toList();
        if (visible.isEmpty()) {
            return new FarmViews.LatestBuilds(List.of());
        }
        List<Object[]> rows = em.createNativeQuery("SELECT DISTINCT ON (extension_name, pg_major, platform) extension_name, pg_major, "
                        + "platform, id, version, status, failure_cause, finished_at FROM build WHERE extension_name IN (:names) "
                        + "AND reason <> 'reproducibility' "
                        + "ORDER BY extension_name, pg_major DESC, platform, id DESC")
                .setParameter("names", visible).getResultList();
        return new FarmViews.LatestBuilds(rows.stream().map(r -> new FarmViews.LatestBuild((String) r[0], (int) number(r[1]),
                (String) r[2], number(r[3]), (String) r[4], (String) r[5], (String) r[6], instant(r[7]))).toList());
    }

    static String notHidden(String alias, Set<String> hidden) {
        return hidden.isEmpty() ? "" : " AND " + alias + ".extension_name NOT IN (:hidden)";
    }

    static void bindHidden(Query q, Set<String> hidden) {
        if (!hidden.isEmpty()) {
            q.setParameter("hidden", hidden);
        }
    }

    private static String key(int major, String platform) {
        return String.format("%04d %s", 1000 - major, platform);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new TreeSet<>(a);
        s.addAll(b);
        return s;
    }
}
