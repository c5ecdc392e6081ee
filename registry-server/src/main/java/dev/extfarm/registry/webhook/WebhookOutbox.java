package dev.extfarm.registry.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.registry.webhook.WebhookViews.Delivery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deliveries table as an outbox: a finished build becomes one row per matching webhook; due
 * rows are claimed with {@code FOR UPDATE SKIP LOCKED} and a lease (so several replicas never send
 * one delivery at once), then marked delivered or scheduled again with backoff.
 */
@ApplicationScoped
public class WebhookOutbox {

    /** A claimed delivery, ready to send. */
    record Due(long id, String event, String payload, int attempt, String url, String secret) {
    }

    @Inject
    EntityManager em;
    @Inject
    ObjectMapper json;
    @Inject
    WebhookConfig config;

    /** One delivery per webhook of the build's extension that asked for this result; returns how many. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    @SuppressWarnings("unchecked")
    public int enqueue(long buildId) {
        List<Object[]> builds = em.createNativeQuery("SELECT id, extension_name, version, pg_major, platform, status, recipe_revision, "
                + "failure_step, failure_cause, failure_responsibility, failure_exit_code, failure_message, bundle_sha256, "
                + "queued_at, started_at, finished_at, worker_id, cached_from FROM build WHERE id = :id").setParameter("id", buildId).getResultList();
        if (builds.isEmpty()) {
            return 0;
        }
        Object[] b = builds.get(0);
        String extension = (String) b[1];
        String status = (String) b[5];
        List<Object[]> hooks = em.createNativeQuery("SELECT w.id, w.base_url FROM webhook w JOIN api_token t ON t.id = w.created_by "
                        + "WHERE w.extension_name = :e AND t.revoked_at IS NULL AND :s = ANY (w.events) ORDER BY w.id")
                .setParameter("e", extension).setParameter("s", status).getResultList();
        for (Object[] w : hooks) {
            String payload = write(buildPayload(b, (String) w[1]));
            em.createNativeQuery("INSERT INTO webhook_delivery (webhook_id, build_id, event, payload, next_attempt_at) "
                            + "VALUES (:w, :b, :ev, :p, now())")
                    .setParameter("w", ((Number) w[0]).longValue()).setParameter("b", buildId).setParameter("ev", "build." + status)
                    .setParameter("p", payload).executeUpdate();
        }
        return hooks.size();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Delivery ping(long webhookId) {
        Object[] w = (Object[]) em.createNativeQuery("SELECT id, extension_name, array_to_string(events, ','), base_url FROM webhook WHERE id = :id")
                .setParameter("id", webhookId).getSingleResult();
        String base = slash((String) w[3]);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("event", "ping");
        p.put("webhook", Map.of("id", webhookId, "extension", w[1], "events", Webhooks.split((String) w[2])));
        p.put("links", Map.of("extension", base + "#/extensions/" + w[1], "feed", base + "feeds/extensions/" + w[1] + ".atom"));
        Object[] row = (Object[]) em.createNativeQuery("INSERT INTO webhook_delivery (webhook_id, event, payload, next_attempt_at) "
                        + "VALUES (:w, 'ping', :p, now()) RETURNING id, created_at, next_attempt_at")
                .setParameter("w", webhookId).setParameter("p", write(p)).getSingleResult();
        return new Delivery(((Number) row[0]).longValue(), "ping", null, "pending", 0, null, null, instant(row[1]), null, instant(row[2]),
                null);
    }

    private Map<String, Object> buildPayload(Object[] b, String baseUrl) {
        String base = slash(baseUrl);
        long id = ((Number) b[0]).longValue();
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("id", id);
        build.put("extension", b[1]);
        build.put("version", b[2]);
        build.put("pg_major", b[3]);
        build.put("platform", b[4]);
        build.put("status", b[5]);
        build.put("recipe_revision", b[6]);
        if (b[8] != null) {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("step", b[7]);
            failure.put("cause", b[8]);
            failure.put("responsibility", b[9]);
            failure.put("exit_code", b[10]);
            failure.put("message", b[11]);
            build.put("failure", failure);
        } else {
            build.put("failure", null);
        }
        build.put("bundle", b[12] == null ? null : Map.of("sha256", b[12],
                "address", "extensions/" + b[1] + "/sha-256+" + b[12] + "/bundle.tar", "url", base + "extensions/" + b[1] + "/sha-256+" + b[12] + "/bundle.tar"));
        build.put("queued_at", iso(b[13]));
        build.put("started_at", iso(b[14]));
        build.put("finished_at", iso(b[15]));
        Instant started = instant(b[14]);
        Instant finished = instant(b[15]);
        build.put("duration_millis", started == null || finished == null ? null : Duration.between(started, finished).toMillis());
        build.put("worker_id", b[16]);
        build.put("cached_from", b[17]);
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("build", base + "api/v1/builds/" + id);
        links.put("log", base + "api/v1/builds/" + id + "/log");
        links.put("page", base + "#/builds/" + id);
        links.put("feed", base + "feeds/extensions/" + b[1] + ".atom");
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("event", "build." + b[5]);
        p.put("build", build);
        p.put("links", links);
        return p;
    }

    /** Claims up to {@code n} due deliveries for {@code lease}; webhooks of revoked tokens are given up. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    @SuppressWarnings("unchecked")
    List<Due> claimDue(int n, Duration lease) {
        List<Object[]> rows = em.createNativeQuery("SELECT d.id, d.event, d.payload, d.attempts, w.url, w.secret, t.revoked_at IS NOT NULL "
                + "FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id JOIN api_token t ON t.id = w.created_by "
                + "WHERE d.next_attempt_at <= now() ORDER BY d.next_attempt_at, d.id LIMIT :n FOR UPDATE OF d SKIP LOCKED")
                .setParameter("n", n).getResultList();
        List<Due> due = new ArrayList<>();
        for (Object[] r : rows) {
            long id = ((Number) r[0]).longValue();
            if (Boolean.TRUE.equals(r[6])) {
                em.createNativeQuery("UPDATE webhook_delivery SET next_attempt_at = NULL, given_up_at = now(), "
                        + "last_error = 'the token that registered this webhook was revoked' WHERE id = :id").setParameter("id", id).executeUpdate();
                continue;
            }
            int attempt = ((Number) r[3]).intValue() + 1;
            em.createNativeQuery("UPDATE webhook_delivery SET attempts = :a, next_attempt_at = now() + :ms * interval '1 millisecond' "
                    + "WHERE id = :id").setParameter("a", attempt).setParameter("ms", lease.toMillis()).setParameter("id", id).executeUpdate();
            due.add(new Due(id, (String) r[1], (String) r[2], attempt, (String) r[4], (String) r[5]));
        }
        return due;
    }

    /** Records an attempt: delivered on 2xx; else retried after a growing delay, or given up after the last attempt. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    void record(Due d, Integer status, String error) {
        boolean ok = status != null && status >= 200 && status < 300;
        if (ok) {
            em.createNativeQuery("UPDATE webhook_delivery SET delivered_at = now(), next_attempt_at = NULL, last_status = :s, "
                    + "last_error = NULL WHERE id = :id").setParameter("s", status).setParameter("id", d.id()).executeUpdate();
            return;
        }
        String why = error != null ? error : "the receiver answered HTTP " + status;
        if (d.attempt() >= config.maxAttempts()) {
            em.createNativeQuery("UPDATE webhook_delivery SET next_attempt_at = NULL, given_up_at = now(), last_status = :s, "
                    + "last_error = :e WHERE id = :id").setParameter("s", status).setParameter("e", why + "; given up after "
                    + d.attempt() + " attempts").setParameter("id", d.id()).executeUpdate();
        } else {
            em.createNativeQuery("UPDATE webhook_delivery SET next_attempt_at = now() + :ms * interval '1 millisecond', "
                    + "last_status = :s, last_error = :e WHERE id = :id").setParameter("ms", backoff(d.attempt()).toMillis())
                    .setParameter("s", status).setParameter("e", why).setParameter("id", d.id()).executeUpdate();
        }
    }

    /**
     * Records a delivery the address rules refused: no request was sent, and none will be (a
     * receiver that resolves to an internal address is not retried until it stops doing so).
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    void refuse(Due d, String rule, String why) {
        em.createNativeQuery("UPDATE webhook_delivery SET next_attempt_at = NULL, given_up_at = now(), last_status = NULL, "
                + "last_error = :e, refused_rule = :r WHERE id = :id").setParameter("e", why).setParameter("r", rule)
                .setParameter("id", d.id()).executeUpdate();
    }

    /** The wait after attempt {@code n} failed: initial-delay × 2^(n-1), at most max-delay. */
    Duration backoff(int n) {
        Duration d = config.initialDelay().multipliedBy(1L << Math.min(Math.max(n - 1, 0), 20));
        return d.compareTo(config.maxDelay()) > 0 ? config.maxDelay() : d;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public List<Delivery> deliveries(long webhookId, int limit) {
        List<Object[]> rows = em.createNativeQuery("SELECT id, event, build_id, attempts, last_status, last_error, created_at, "
                        + "delivered_at, given_up_at, next_attempt_at, refused_rule FROM webhook_delivery WHERE webhook_id = :w "
                        + "ORDER BY id DESC")
                .setParameter("w", webhookId).setMaxResults(limit).getResultList();
        return rows.stream().map(r -> {
            int attempts = ((Number) r[3]).intValue();
            String state = r[7] != null ? "delivered" : r[10] != null ? "refused" : r[8] != null ? "given-up"
                    : attempts == 0 ? "pending" : "retrying";
            return new Delivery(((Number) r[0]).longValue(), (String) r[1], r[2] == null ? null : ((Number) r[2]).longValue(), state,
                    attempts, r[4] == null ? null : ((Number) r[4]).intValue(), (String) r[5], instant(r[6]), instant(r[7]), instant(r[9]),
                    (String) r[10]);
        }).toList();
    }

    private String write(Map<String, Object> payload) {
        try {
            return json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String slash(String base) {
        return base.endsWith("/") ? base : base + "/";
    }

    private static String iso(Object v) {
        Instant i = instant(v);
        return i == null ? null : i.toString();
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
