package dev.extfarm.fetcher.download;

import dev.extfarm.bundle.ControlFile;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.fetcher.spec.Problems;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Phase 1: the control files of a spec entry: inline in the spec ({@code control}, from registries
 * that carry it), else fetched alone ({@code control_link}). A control
 * file is not covered by the bundle's sha-256, so it is only listed (no marker); the verified
 * bundle replaces it when it is installed. For a bundle with several extensions the other
 * control files are asked for beside the first (works for public bundles; a signed link covers
 * one path, so for private ones they appear when the bundle is installed).
 */
public final class ControlFetch {

    private static final int MAX_CONTROL = 256 << 10;

    private final HttpClient http;
    private final DownloadSettings settings;

    public ControlFetch(HttpClient http, DownloadSettings settings) {
        this.http = http;
        this.settings = settings;
    }

    /**
     * control name → bytes; the first (the entry's own control file: inline in the spec, or from
     * its control link) must succeed, others are best effort.
     */
    public Map<String, byte[]> fetch(ComputeSpec.Entry e) throws FetchException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (e.controlLink() == null && e.control() == null) {
            return out;
        }
        String main = e.controlLink() != null ? controlName(e.controlLink())
                : e.extensions().contains(e.name()) ? e.name() : e.extensions().isEmpty() ? null : e.extensions().get(0);
        if (e.extensions().isEmpty()) { // a library bundle carries no control file: a control text for it is the registry's error
            throw new FetchException(FetchException.Kind.UPSTREAM, "control-link-invalid", "the registry sent a control file for "
                    + e.label() + ", a library bundle that lists no extension");
        }
        if (main == null || !e.extensions().contains(main)) {
            throw new FetchException(FetchException.Kind.UPSTREAM, "control-link-invalid", "the control_link of " + e.label()
                    + " does not end in one of its extensions' <name>.control: " + BundleFetch.redact(e.controlLink()));
        }
        if (e.control() != null) {
            out.put(main, checked(e, main, e.control().getBytes(StandardCharsets.UTF_8))); // the spec carries it: no request
        } else {
            out.put(main, get(e, e.controlLink(), main));
        }
        for (String other : e.extensions()) {
            if (other.equals(main)) {
                continue;
            }
            try {
                String inline = e.otherControls().get(other);
                if (inline != null) {
                    out.put(other, checked(e, other, inline.getBytes(StandardCharsets.UTF_8))); // the spec carries it: no request
                } else if (e.controlLink() != null) {
                    // a public bundle's sibling path; a private one's link is signed for main's path only, and answers 403
                    out.put(other, get(e, e.controlLink().replace("/" + main + ".control", "/" + other + ".control"), other));
                }
            } catch (FetchException ignored) {
                // listed once the bundle is installed
            }
        }
        return out;
    }

    /** The bytes, if PostgreSQL could read them as a control file and they are not oversized. */
    private static byte[] checked(ComputeSpec.Entry e, String control, byte[] b) throws FetchException {
        if (b.length > MAX_CONTROL) {
            throw new FetchException(FetchException.Kind.UPSTREAM, "control-too-large", control + ".control of "
                    + e.label() + " is " + b.length + " bytes, over " + MAX_CONTROL);
        }
        try {
            ControlFile.parse(control, b);
        } catch (IllegalArgumentException bad) {
            throw new FetchException(FetchException.Kind.UPSTREAM, "control-invalid", "the registry sent a control file for "
                    + e.label() + " that PostgreSQL could not read: " + bad.getMessage());
        }
        return b;
    }

    private static String controlName(String link) {
        String path = URI.create(link).getPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.endsWith(".control") ? last.substring(0, last.length() - ".control".length()) : null;
    }

    private byte[] get(ComputeSpec.Entry e, String link, String control) throws FetchException {
        IOException last = null;
        for (int attempt = 0; attempt <= Math.min(3, settings.retries()); attempt++) {
            try {
                if (attempt > 0) {
                    Thread.sleep(settings.backoff().toMillis() << (attempt - 1));
                }
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(link)).timeout(settings.timeout()).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() == 200) {
                    return checked(e, control, r.body());
                }
                if (r.statusCode() < 500) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, r.statusCode() == 403 ? "link-expired" : "control-unavailable",
                            "the registry answered " + r.statusCode() + " for " + control + ".control of " + e.label() + ": "
                                    + Problems.detail(r.body()));
                }
                last = new IOException("the registry answered " + r.statusCode());
            } catch (IOException io) {
                last = io;
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted");
            }
        }
        throw new FetchException(FetchException.Kind.UPSTREAM, "control-unavailable", "cannot fetch " + control + ".control of "
                + e.label() + " from " + BundleFetch.redact(link) + ": " + last);
    }
}
