package dev.extfarm.registry.builds;

import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The database's clock ({@code now()}: the start of the current transaction). Leases are set and
 * checked against it, so replicas with slightly different clocks agree on what has expired.
 */
public final class DbClock {

    private DbClock() {
    }

    public static OffsetDateTime now(EntityManager em) {
        return toOffsetDateTime(em.createNativeQuery("SELECT now()").getSingleResult());
    }

    public static OffsetDateTime toOffsetDateTime(Object value) {
        if (value instanceof OffsetDateTime o) {
            return o.withOffsetSameInstant(ZoneOffset.UTC);
        }
        if (value instanceof Instant i) {
            return i.atOffset(ZoneOffset.UTC);
        }
        if (value instanceof Timestamp t) {
            return t.toInstant().atOffset(ZoneOffset.UTC);
        }
        if (value instanceof ZonedDateTime z) {
            return z.toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC);
        }
        throw new IllegalStateException("unexpected timestamp type " + (value == null ? "null" : value.getClass()));
    }
}
