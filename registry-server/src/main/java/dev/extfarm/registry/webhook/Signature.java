package dev.extfarm.registry.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a delivery is signed: {@code X-Extfarm-Signature-256: sha256=<hex>}, the HMAC-SHA256 with
 * the webhook's secret over {@code <X-Extfarm-Timestamp>.<body>} (receivers recompute it, compare in
 * constant time, and refuse old timestamps to stop replays).
 */
public final class Signature {

    public static final String HEADER = "X-Extfarm-Signature-256";
    public static final String TIMESTAMP = "X-Extfarm-Timestamp";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Signature() {
    }

    public static String sign(String secret, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "whsec_" + HexFormat.of().formatHex(b);
    }
}
