package dev.extfarm.registry.builds;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Rescues jobs whose worker stopped heartbeating: every {@code extfarm.queue.sweep-interval} the
 * running jobs whose lease expired go back to the queue (or end as {@code farm-error} once
 * {@code extfarm.queue.max-attempts} is used up), so a lost job is re-queued within lease TTL +
 * sweep interval. Also archives the logs of finished builds.
 */
@ApplicationScoped
public class LeaseSweeper {

    static final int BATCH = 200;

    @Inject
    EntityManager em;
    @Inject
    QueueConfig config;
    @Inject
    JobQueue queue;
    @Inject
    BuildLogs logs;
    @Inject
    Scheduler scheduler;
    @Inject
    QueueMetrics metrics;

    void onStart(@Observes StartupEvent event) {
        scheduler.newJob("extfarm-lease-sweep")
                .setInterval(config.sweepInterval().toString())
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(ctx -> sweep())
                .schedule();
    }

    void onStop(@Observes ShutdownEvent event) {
        scheduler.unscheduleJob("extfarm-lease-sweep");
    }

    void sweep() {
        try {
            int n;
            do {
                n = requeueExpired(null);
            } while (n == BATCH);
            for (Long id : logs.unarchived(BATCH)) {
                archive(id);
            }
            metrics.refresh();
        } catch (RuntimeException e) {
            Log.warnf(e, "lease sweep failed; retrying in %s", config.sweepInterval());
        }
    }

    /**
     * Ends the leases that expired before {@code horizon} (the database's {@code now()} when null):
     * {@code lease_expires_at < horizon}. Returns how many jobs it handled.
     */
    @Transactional
    public int requeueExpired(OffsetDateTime horizon) {
        var q = em.createNativeQuery("SELECT id FROM build WHERE status = 'running' AND lease_expires_at < "
                + (horizon == null ? "now()" : ":h") + " ORDER BY id LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED");
        if (horizon != null) {
            q.setParameter("h", horizon);
        }
        @SuppressWarnings("unchecked")
        List<Number> ids = q.getResultList();
        OffsetDateTime now = DbClock.now(em);
        for (Number id : ids) {
            Build b = em.find(Build.class, id.longValue());
            String message = "worker " + b.workerId + " stopped renewing the lease of attempt " + b.attempt
                    + (b.currentStep == null ? "" : " during " + b.currentStep) + " (it expired at " + b.leaseExpiresAt + ")";
            queue.endAttempt(b, "lease-expired", "lease-expired", message, now);
            if (b.attempt >= config.maxAttempts()) {
                queue.giveUp(b, b.currentStep, "lease-expired", message + "; " + b.attempt + " of " + config.maxAttempts()
                        + " attempts used, the farm gives up", now);
            } else {
                logs.note(b, message + "; the job is queued again");
                queue.requeue(b);
            }
            Log.infof("build %d (%s, PostgreSQL %d): lease expired, now %s", b.id, b.extensionName, b.pgMajor, b.status);
        }
        return ids.size();
    }

    void onFinished(@Observes(during = TransactionPhase.AFTER_SUCCESS) BuildFinished event) {
        archive(event.buildId());
    }

    private void archive(long id) {
        try {
            logs.archive(id);
        } catch (Exception e) {
            Log.warnf("the log of build %d stays in the database for now (%s); the sweeper retries", id, e.getMessage());
        }
    }
}
