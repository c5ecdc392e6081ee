package dev.extfarm.registry.links;

import io.quarkus.arc.Lock;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived links to bundles: {@code <path>?tenant=<t>&exp=<epoch seconds>&sig=<base64url>},
 * the signature being HMAC-SHA256 over {@code METHOD \n path \n tenant \n exp}. Checked in constant
 * time; HEAD is checked as GET.
 */
@ApplicationScoped
public class LinkSigner {

    public enum Verdict { VALID, EXPIRED, INVALID }

    @Inject
    LinkConfig config;
    @Inject
    EntityManager em;

    private volatile byte[] key;

    /** The query string of a link for {@code path}, valid until {@code expires}. */
    public String query(String path, String tenant, Instant expires) {
        long exp = expires.getEpochSecond();
        return "tenant=" + tenant + "&exp=" + exp + "&sig=" + sign("GET", path, tenant, exp);
    }

    public Verdict verify(String method, String path, String tenant, String exp, String sig, Instant now) {
        if (tenant == null || exp == null || sig == null) {
            return Verdict.INVALID;
        }
        long expiry;
        try {
            expiry = Long.parseLong(exp);
        } catch (NumberFormatException e) {
            return Verdict.INVALID;
        }
        String m = "HEAD".equals(method) ? "GET" : method;
        byte[] expected = sign(m, path, tenant, expiry).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII))) {
            return Verdict.INVALID;
        }
        return now.getEpochSecond() > expiry ? Verdict.EXPIRED : Verdict.VALID;
    }

    String sign(String method, String path, String tenant, long exp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(), "HmacSHA256"));
            byte[] sig = mac.doFinal((method + "\n" + path + "\n" + tenant + "\n" + exp).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private byte[] key() {
        byte[] k = key;
        if (k == null) {
            k = loadKey();
            key = k;
        }
        return k;
    }

    @Lock
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    byte[] loadKey() {
        if (key != null) {
            return key;
        }
        if (config.secret().isPresent() && !config.secret().get().isBlank()) {
            return config.secret().get().getBytes(StandardCharsets.UTF_8);
        }
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        em.createNativeQuery("INSERT INTO registry_setting (name, value) VALUES ('link-secret', :v) ON CONFLICT DO NOTHING")
                .setParameter("v", Base64.getEncoder().encodeToString(fresh)).executeUpdate();
        String stored = (String) em.createNativeQuery("SELECT value FROM registry_setting WHERE name = 'link-secret'")
                .getSingleResult();
        return Base64.getDecoder().decode(stored);
    }

    /** Loads the key now (at start), so that the first request on the event loop does not. */
    void warmUp(@jakarta.enterprise.event.Observes StartupEvent event) {
        key();
    }
}
