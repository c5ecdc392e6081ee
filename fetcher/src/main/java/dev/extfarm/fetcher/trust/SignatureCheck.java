package dev.extfarm.fetcher.trust;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fetcher's signature check, made before anything of a bundle is downloaded or unpacked: the
 * JWS at the entry's {@code signature_link} (or, in a spec without one, beside the bundle's link)
 * must be by a trusted key and vouch for exactly this entry (sha-256, name, version, PG major,
 * platform). The bundle's bytes are then verified against the same sha-256 as they stream in, so
 * a bundle that changed after signing is refused either way. Refusals carry the codes
 * {@code signature-missing | -malformed | -untrusted-key | -invalid | -mismatch} and name the
 * extension and the key id.
 */
public final class SignatureCheck {

    static final int MAX_SIGNATURE_BYTES = 64 * 1024;

    private final HttpClient http;
    private final Trust trust;
    private final Duration timeout;
    private final Log log;
    private volatile KeySet registryKeys;

    public SignatureCheck(HttpClient http, Trust trust, Duration timeout, Log log) {
        this.http = http;
        this.trust = trust;
        this.timeout = timeout;
        this.log = log;
        if (trust.allowUnsigned()) {
            log.info("WARNING: --allow-unsigned: bundle signatures are NOT checked. Anyone who can change what the registry "
                    + "serves can run code inside PostgreSQL. Use this for local development only.");
        }
    }

    /** Passes, or throws a refusal (or {@code link-expired}, which the caller answers by reading a fresh spec). */
    public void check(ComputeSpec spec, ComputeSpec.Entry e) throws FetchException {
        if (trust.allowUnsigned()) {
            log.info("WARNING: " + e.label() + ": signature not checked (--allow-unsigned)");
            return;
        }
        var expected = new BundleSignature.Statement(e.sha256(), e.name(), e.version(), spec.pgMajor(), spec.platform());
        byte[] jws = download(e);
        try {
            BundleSignature.verify(jws, trusted(), expected);
        } catch (BundleSignature.RefusedException r) {
            if (r.reason().equals("untrusted-key") && trust.registryKeys() != null) {
                registryKeys = null; // a rotated key: read the registry's list again, once
                try {
                    BundleSignature.verify(jws, trusted(), expected);
                    return;
                } catch (BundleSignature.RefusedException again) {
                    throw refusal(e, again);
                }
            }
            throw refusal(e, r);
        }
    }

    private KeySet trusted() throws FetchException {
        if (trust.registryKeys() == null) {
            return trust.keys();
        }
        KeySet fromRegistry = registryKeys;
        if (fromRegistry == null) {
            fromRegistry = readRegistryKeys();
            registryKeys = fromRegistry;
        }
        List<SigningKey> all = new ArrayList<>();
        for (KeySet s : List.of(trust.keys(), fromRegistry)) {
            for (var k : s.toJson().path("keys")) {
                try {
                    all.add(SigningKey.fromJwk(k));
                } catch (GeneralSecurityException ignored) {
                    // a key type we do not support cannot vouch for anything
                }
            }
        }
        return new KeySet(all);
    }

    private KeySet readRegistryKeys() throws FetchException {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(trust.registryKeys()).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode());
            }
            return KeySet.parse(new ObjectMapper().readTree(r.body())); // rare: no mapper kept for it
        } catch (IOException | GeneralSecurityException ex) {
            throw new FetchException(FetchException.Kind.UPSTREAM, "keys-unavailable", "the registry's keys at " + trust.registryKeys()
                    + " could not be read (" + ex.getMessage() + "); nothing was installed");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted while reading the registry's keys");
        }
    }

    private byte[] download(ComputeSpec.Entry e) throws FetchException {
        String link = signatureLink(e);
        String shown = link.indexOf('?') < 0 ? link : link.substring(0, link.indexOf('?'));
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(link)).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(MAX_SIGNATURE_BYTES + 1);
                if (r.statusCode() == 404) {
                    throw refusal(e, new BundleSignature.RefusedException("missing", null, "the bundle " + e.label()
                            + " has no signature at " + shown));
                }
                if (r.statusCode() == 403 && new String(body, StandardCharsets.UTF_8).contains("link-expired")) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, "link-expired", "the signature link of " + e.label()
                            + " was refused with HTTP 403: the link has expired");
                }
                if (r.statusCode() != 200) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, "signature-unavailable", "the signature of " + e.label()
                            + " at " + shown + " could not be fetched (HTTP " + r.statusCode() + "); nothing was installed");
                }
                if (body.length > MAX_SIGNATURE_BYTES) {
                    throw refusal(e, new BundleSignature.RefusedException("malformed", null, "the signature at " + shown
                            + " is over " + MAX_SIGNATURE_BYTES + " bytes"));
                }
                return body;
            }
        } catch (IOException ex) {
            throw new FetchException(FetchException.Kind.UPSTREAM, "signature-unavailable", "the signature of " + e.label() + " at "
                    + shown + " could not be fetched (" + ex.getMessage() + "); nothing was installed", ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted while fetching the signature of "
                    + e.label());
        }
    }

    /** The entry's {@code signature_link}, or {@code bundle.tar.sig} beside its {@code link} (specs that predate it). */
    static String signatureLink(ComputeSpec.Entry e) {
        if (e.signatureLink() != null && !e.signatureLink().isBlank()) {
            return e.signatureLink();
        }
        String link = e.link();
        int q = link.indexOf('?');
        return q < 0 ? link + ".sig" : link.substring(0, q) + ".sig" + link.substring(q);
    }

    private static FetchException refusal(ComputeSpec.Entry e, BundleSignature.RefusedException r) {
        String kid = r.kid() == null || r.kid().isEmpty() ? "" : " (key id '" + r.kid() + "')";
        return new FetchException(FetchException.Kind.UPSTREAM, "signature-" + r.reason(), "refusing " + e.label() + " (signature-"
                + r.reason() + kid + "): " + r.getMessage() + "; nothing was downloaded or installed", r);
    }
}
