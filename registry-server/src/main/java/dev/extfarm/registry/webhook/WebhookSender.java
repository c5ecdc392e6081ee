package dev.extfarm.registry.webhook;

import dev.extfarm.recipe.egress.EgressRefusedException;
import dev.extfarm.registry.webhook.WebhookOutbox.Due;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends due deliveries every {@code extfarm.webhook.poll-interval}: a JSON POST signed with
 * HMAC-SHA256 ({@link Signature}); 2xx is delivered, anything else (or no answer within the
 * timeout) is retried with backoff. Redirects are not followed. A receiver the address rules
 * refuse ({@link WebhookEgress}) gets no request: the delivery is recorded as refused, with the rule.
 */
@ApplicationScoped
public class WebhookSender {

    static final String USER_AGENT = "extfarm-webhooks/1";

    @Inject
    WebhookOutbox outbox;
    @Inject
    WebhookConfig config;
    @Inject
    WebhookEgress egress;
    @Inject
    Scheduler scheduler;

    private volatile ExecutorService senders;

    void onStart(@Observes StartupEvent event) {
        senders = Executors.newFixedThreadPool(Math.max(1, config.batch()), r -> {
            Thread t = new Thread(r, "extfarm-webhook-sender");
            t.setDaemon(true);
            return t;
        });
        scheduler.newJob("extfarm-webhooks")
                .setInterval(config.pollInterval().toString())
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(ctx -> deliverDue())
                .schedule();
    }

    void onStop(@Observes ShutdownEvent event) {
        ExecutorService s = senders;
        senders = null;
        if (s != null) {
            s.shutdownNow();
        }
    }

    /** One pass: claims due deliveries, sends them concurrently, records the answers; returns how many were attempted. */
    int deliverDue() {
        ExecutorService pool = senders;
        if (pool == null) {
            return 0;
        }
        try {
            List<Due> due = outbox.claimDue(config.batch(), config.timeout().plusSeconds(30));
            List<CompletableFuture<Outcome>> sends = due.stream()
                    .map(d -> CompletableFuture.supplyAsync(() -> send(d), pool)).toList();
            for (int i = 0; i < due.size(); i++) {
                Outcome o = sends.get(i).join();
                if (o.refusedRule() != null) {
                    outbox.refuse(due.get(i), o.refusedRule(), o.error());
                } else {
                    outbox.record(due.get(i), o.status(), o.error());
                }
            }
            return due.size();
        } catch (RuntimeException e) {
            Log.warnf(e, "webhook deliveries failed; unfinished ones are retried when their lease ends");
            return 0;
        }
    }

    /** An HTTP status, or why there was none; {@code refusedRule} when the address rules refused the receiver. */
    record Outcome(Integer status, String error, String refusedRule) {
    }

    private Outcome send(Due d) {
        long timestamp = Instant.now().getEpochSecond();
        URI url;
        try {
            url = URI.create(d.url());
        } catch (IllegalArgumentException e) {
            return new Outcome(null, "the URL cannot be requested: " + e.getMessage(), null);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", USER_AGENT);
        headers.put("X-Extfarm-Event", d.event());
        headers.put("X-Extfarm-Delivery", Long.toString(d.id()));
        headers.put(Signature.TIMESTAMP, Long.toString(timestamp));
        headers.put(Signature.HEADER, Signature.sign(d.secret(), timestamp, d.payload()));
        try {
            int status = egress.client().post(url, headers, d.payload().getBytes(StandardCharsets.UTF_8), "application/json",
                    config.timeout());
            return new Outcome(status, null, null);
        } catch (EgressRefusedException e) {
            return new Outcome(null, e.getMessage() + "; no request was sent", e.rule().code("webhook"));
        } catch (IOException | RuntimeException e) {
            return new Outcome(null, "no answer: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                    null);
        }
    }
}
