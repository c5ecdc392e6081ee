package dev.extfarm.registry.webhook;

import dev.extfarm.registry.webhook.WebhookOutbox.Due;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends due deliveries every {@code extfarm.webhook.poll-interval}: a JSON POST signed with
 * HMAC-SHA256 ({@link Signature}); 2xx is delivered, anything else (or no answer within the
 * timeout) is retried with backoff. Redirects are not followed.
 */
@ApplicationScoped
public class WebhookSender {

    static final String USER_AGENT = "extfarm-webhooks/1";

    @Inject
    WebhookOutbox outbox;
    @Inject
    WebhookConfig config;
    @Inject
    Scheduler scheduler;

    private HttpClient client;

    void onStart(@Observes StartupEvent event) {
        client = HttpClient.newBuilder().connectTimeout(config.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        scheduler.newJob("extfarm-webhooks")
                .setInterval(config.pollInterval().toString())
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(ctx -> deliverDue())
                .schedule();
    }

    void onStop(@Observes ShutdownEvent event) {
        client = null;
    }

    /** One pass: claims due deliveries, sends them concurrently, records the answers; returns how many were attempted. */
    int deliverDue() {
        HttpClient http = client;
        if (http == null) {
            return 0;
        }
        try {
            List<Due> due = outbox.claimDue(config.batch(), config.timeout().plusSeconds(30));
            List<CompletableFuture<Outcome>> sends = due.stream().map(d -> send(http, d)).toList();
            for (int i = 0; i < due.size(); i++) {
                Outcome o = sends.get(i).join();
                outbox.record(due.get(i), o.status(), o.error());
            }
            return due.size();
        } catch (RuntimeException e) {
            Log.warnf(e, "webhook deliveries failed; unfinished ones are retried when their lease ends");
            return 0;
        }
    }

    /** An HTTP status, or why there was none. */
    record Outcome(Integer status, String error) {
    }

    private CompletableFuture<Outcome> send(HttpClient http, Due d) {
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(d.url()))
                    .timeout(config.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", USER_AGENT)
                    .header("X-Extfarm-Event", d.event())
                    .header("X-Extfarm-Delivery", Long.toString(d.id()))
                    .header(Signature.TIMESTAMP, Long.toString(timestamp))
                    .header(Signature.HEADER, Signature.sign(d.secret(), timestamp, d.payload()))
                    .POST(HttpRequest.BodyPublishers.ofString(d.payload()))
                    .build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Outcome(null, "the URL cannot be requested: " + e.getMessage()));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    if (error == null) {
                        return new Outcome(response.statusCode(), null);
                    }
                    Throwable cause = error.getCause() != null ? error.getCause() : error;
                    return new Outcome(null, "no answer: " + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
                });
    }
}
