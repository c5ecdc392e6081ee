package dev.extfarm.registry.webhook;

import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.Role;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.webhook.WebhookViews.CreateRequest;
import dev.extfarm.registry.webhook.WebhookViews.Delivery;
import dev.extfarm.registry.webhook.WebhookViews.Webhook;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Registering webhooks: only the maintainers who own an extension, and admins. For anyone else a
 * private extension does not exist (404), a public one is refused (403).
 */
@ApplicationScoped
public class Webhooks {

    /** Build results a webhook may ask for ({@code ping} is sent on request). */
    public static final List<String> EVENTS = List.of("failed", "farm-error", "succeeded", "cached", "cancelled");
    static final List<String> DEFAULT_EVENTS = List.of("failed", "farm-error", "succeeded");
    static final int MAX_PER_EXTENSION = 20;

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;
    @Inject
    WebhookOutbox outbox;
    @Inject
    WebhookEgress egress;

    @Transactional
    public Webhook create(Principal who, String extension, CreateRequest r, URI requestBase) {
        requireOwner(who, extension);
        if (r == null || r.url() == null) {
            throw ExtfarmException.invalid("invalid-webhook", "send {\"url\": \"https://ci.example.com/hooks/extfarm\", "
                    + "\"events\": [\"failed\", \"farm-error\"]}");
        }
        String url = checkUrl(r.url().strip());
        List<String> events = events(r.events());
        egress.checkReceiver(URI.create(url));
        String secret = r.secret() == null || r.secret().isBlank() ? Signature.newSecret() : r.secret();
        if (secret.length() < 16 || secret.length() > 200) {
            throw ExtfarmException.invalid("invalid-webhook", "a secret must have 16..200 characters; leave it out and one is generated");
        }
        long count = ((Number) em.createNativeQuery("SELECT count(*) FROM webhook WHERE extension_name = :e")
                .setParameter("e", extension).getSingleResult()).longValue();
        if (count >= MAX_PER_EXTENSION) {
            throw ExtfarmException.conflict("too-many-webhooks", extension + " has " + count + " webhooks, the most allowed; "
                    + "delete one (DELETE /api/v1/extensions/" + extension + "/webhooks/<id>) first");
        }
        Object[] row = (Object[]) em.createNativeQuery("INSERT INTO webhook (extension_name, url, secret, events, base_url, created_by) "
                        + "VALUES (:e, :u, :s, cast(:ev as text[]), :b, :t) RETURNING id, created_at")
                .setParameter("e", extension).setParameter("u", url).setParameter("s", secret)
                .setParameter("ev", "{" + String.join(",", events) + "}").setParameter("b", requestBase.toString())
                .setParameter("t", who.tokenId()).getSingleResult();
        return new Webhook(((Number) row[0]).longValue(), extension, url, events, WebhookOutbox.instant(row[1]), secret, null);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public List<Webhook> list(Principal who, String extension) {
        requireOwner(who, extension);
        List<Object[]> rows = em.createNativeQuery("SELECT id, url, array_to_string(events, ','), created_at FROM webhook "
                + "WHERE extension_name = :e ORDER BY id").setParameter("e", extension).getResultList();
        return rows.stream().map(r -> {
            long id = ((Number) r[0]).longValue();
            Delivery last = outbox.deliveries(id, 1).stream().findFirst().orElse(null);
            return new Webhook(id, extension, (String) r[1], split((String) r[2]), WebhookOutbox.instant(r[3]), null, last);
        }).toList();
    }

    @Transactional
    public void delete(Principal who, String extension, long id) {
        requireOwner(who, extension);
        int n = em.createNativeQuery("DELETE FROM webhook WHERE id = :id AND extension_name = :e")
                .setParameter("id", id).setParameter("e", extension).executeUpdate();
        if (n == 0) {
            throw notFound(extension, id);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Delivery> deliveries(Principal who, String extension, long id, int limit) {
        requireOwner(who, extension);
        requireWebhook(extension, id);
        return outbox.deliveries(id, Math.max(1, Math.min(limit, 100)));
    }

    /** Queues a {@code ping} delivery, to check the receiver and its signature check. */
    @Transactional
    public Delivery ping(Principal who, String extension, long id) {
        requireOwner(who, extension);
        requireWebhook(extension, id);
        return outbox.ping(id);
    }

    private void requireWebhook(String extension, long id) {
        if (em.createNativeQuery("SELECT 1 FROM webhook WHERE id = :id AND extension_name = :e")
                .setParameter("id", id).setParameter("e", extension).getResultList().isEmpty()) {
            throw notFound(extension, id);
        }
    }

    private void requireOwner(Principal who, String extension) {
        boolean exists = !em.createNativeQuery("SELECT 1 FROM extension WHERE name = :n").setParameter("n", extension)
                .getResultList().isEmpty();
        if (!exists || !visibility.canSee(Viewer.of(who), extension)) {
            throw ExtfarmException.notFound("extension-not-found", "no extension '" + extension + "' here");
        }
        if (who.role() == Role.ADMIN) {
            return;
        }
        boolean owner = !em.createNativeQuery("SELECT 1 FROM extension_owner WHERE extension_name = :n AND token_id = :t")
                .setParameter("n", extension).setParameter("t", who.tokenId()).getResultList().isEmpty();
        if (!owner) {
            throw ExtfarmException.forbidden("not-an-owner", "only the maintainers who own " + extension
                    + " (and admins) manage its webhooks; anyone may follow its Atom feed at /feeds/extensions/" + extension + ".atom");
        }
    }

    static String checkUrl(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw ExtfarmException.invalid("invalid-webhook", "url is not a URL: " + e.getMessage());
        }
        if (u.getScheme() == null || !Set.of("http", "https").contains(u.getScheme().toLowerCase()) || u.getHost() == null
                || u.getUserInfo() != null || u.getFragment() != null || url.length() > 2000) {
            throw ExtfarmException.invalid("invalid-webhook", "url must be an http(s) URL with a host and no user info or fragment, "
                    + "e.g. https://ci.example.com/hooks/extfarm; got '" + url + "'");
        }
        return url;
    }

    static List<String> events(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            return DEFAULT_EVENTS;
        }
        Set<String> s = new LinkedHashSet<>();
        for (String e : requested) {
            if (e == null || !EVENTS.contains(e.strip())) {
                throw ExtfarmException.invalid("invalid-webhook", "event '" + e + "' is not one of " + String.join(", ", EVENTS));
            }
            s.add(e.strip());
        }
        return List.copyOf(s);
    }

    static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    static ExtfarmException notFound(String extension, long id) {
        return ExtfarmException.notFound("webhook-not-found", "no webhook " + id + " on " + extension
                + "; list them with GET /api/v1/extensions/" + extension + "/webhooks");
    }
}
