package dev.extfarm.registry.builds;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;

/**
 * Test-only access to the queue table: ends every live build (so a test's claims see only its
 * own jobs) and moves lease horizons. Everything else goes through HTTP.
 */
@ApplicationScoped
public class QueueJanitor {

    @Inject
    EntityManager em;

    @Transactional
    public void cancelEverythingLive() {
        em.createNativeQuery("UPDATE build_attempt SET ended_at = now(), outcome = 'cancelled' WHERE outcome IS NULL").executeUpdate();
        em.createNativeQuery("UPDATE build SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL "
                + "WHERE status IN ('queued', 'running')").executeUpdate();
    }

    @Transactional
    public void setLeaseExpiry(long buildId, OffsetDateTime at) {
        em.createNativeQuery("UPDATE build SET lease_expires_at = :t WHERE id = :b").setParameter("t", at)
                .setParameter("b", buildId).executeUpdate();
    }

    @Transactional
    public OffsetDateTime dbNow() {
        return DbClock.now(em);
    }
}
