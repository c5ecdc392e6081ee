package dev.extfarm.registry.builds;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue metrics on {@code /q/metrics}: {@code extfarm_queue_jobs{status="queued"|"running"}}
 * (refreshed by every sweep) and {@code extfarm_builds_finished_total{status=...}}.
 */
@ApplicationScoped
public class QueueMetrics {

    @Inject
    MeterRegistry registry;
    @Inject
    EntityManager em;

    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong running = new AtomicLong();

    void onStart(@Observes StartupEvent event) {
        Gauge.builder("extfarm.queue.jobs", queued, AtomicLong::get).tag("status", "queued")
                .description("builds waiting for a worker").register(registry);
        Gauge.builder("extfarm.queue.jobs", running, AtomicLong::get).tag("status", "running")
                .description("builds leased to a worker").register(registry);
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    void refresh() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT status, count(*) FROM build WHERE status IN ('queued', 'running') "
                + "GROUP BY status").getResultList();
        long q = 0;
        long r = 0;
        for (Object[] row : rows) {
            long n = ((Number) row[1]).longValue();
            if ("queued".equals(row[0])) {
                q = n;
            } else {
                r = n;
            }
        }
        queued.set(q);
        running.set(r);
    }

    void onFinished(@Observes(during = TransactionPhase.AFTER_SUCCESS) BuildFinished event) {
        registry.counter("extfarm.builds.finished", "status", event.status().id()).increment();
    }
}
