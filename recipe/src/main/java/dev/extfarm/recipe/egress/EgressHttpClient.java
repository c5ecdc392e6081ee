package dev.extfarm.recipe.egress;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * An HTTP client that connects only where an {@link EgressPolicy} allows. The policy is the
 * client's name resolver: the addresses it checked are the addresses the socket connects to (no
 * second lookup that a rebinding DNS server could answer differently). Redirects are followed by
 * this class, not by the library, so that every hop is checked like the first: at most
 * {@code maxRedirects}, no loop, only to http or https, never from https down to http. No proxy,
 * no cookies, no retries, no transparent decompression (a {@code .tar.gz} stays the bytes that
 * were pinned).
 */
public final class EgressHttpClient implements AutoCloseable {

    /** The answer to a GET, from the last URL of the redirect chain; close it to release the connection. */
    public static final class Response implements Closeable {
        private final URI url;
        private final HttpUriRequestBase request;
        private final ClassicHttpResponse raw;

        private Response(URI url, HttpUriRequestBase request, ClassicHttpResponse raw) {
            this.url = url;
            this.request = request;
            this.raw = raw;
        }

        public URI url() {
            return url;
        }

        public int status() {
            return raw.getCode();
        }

        /** -1 when the answer does not say. */
        public long contentLength() {
            return raw.getEntity() == null ? -1 : raw.getEntity().getContentLength();
        }

        public InputStream body() throws IOException {
            return raw.getEntity() == null ? InputStream.nullInputStream() : raw.getEntity().getContent();
        }

        /** Ends the exchange at once, also from another thread (a deadline): the connection is dropped, a reader fails. */
        @Override
        public void close() {
            discard(request, raw);
        }
    }

    private final EgressPolicy policy;
    private final CloseableHttpClient http;

    public EgressHttpClient(EgressPolicy policy, Duration connectTimeout) {
        this.policy = policy;
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(new PolicyResolver(policy))
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.of(connectTimeout)).build())
                        .setMaxConnTotal(64).setMaxConnPerRoute(8)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .disableDefaultUserAgent()
                .build();
    }

    public EgressPolicy policy() {
        return policy;
    }

    /**
     * GET {@code url}, following up to {@code maxRedirects} redirects.
     *
     * @param responseTimeout the longest wait for the answer's head and between body bytes
     * @throws EgressRefusedException when the URL, an address or a redirect is refused; nothing was sent there
     */
    public Response get(URI url, Map<String, String> headers, int maxRedirects, Duration responseTimeout) throws IOException {
        URI current = url;
        Set<URI> seen = new LinkedHashSet<>();
        for (int hop = 0; ; hop++) {
            policy.checkUrl(current);
            seen.add(current);
            HttpGet get = new HttpGet(current);
            ClassicHttpResponse response = send(get, headers, responseTimeout);
            int status = response.getCode();
            if (!isRedirect(status)) {
                return new Response(current, get, response);
            }
            Header location = response.getFirstHeader("Location");
            discard(get, response);
            if (location == null || location.getValue().isBlank()) {
                throw new EgressRefusedException(EgressRule.REDIRECT_REFUSED, current + ": HTTP " + status + " without a Location");
            }
            if (hop >= maxRedirects) {
                throw new EgressRefusedException(EgressRule.REDIRECT_REFUSED, url + ": more than " + maxRedirects + " redirects ("
                        + String.join(" -> ", seen.stream().map(URI::toString).toList()) + " -> ...)");
            }
            URI next = resolveLocation(current, location.getValue());
            String from = current.getScheme().toLowerCase(Locale.ROOT);
            String to = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!to.equals("http") && !to.equals("https")) {
                throw new EgressRefusedException(EgressRule.URL_SCHEME, current + " redirects to '" + next
                        + "': only http and https are followed");
            }
            if (from.equals("https") && to.equals("http")) {
                throw new EgressRefusedException(EgressRule.URL_SCHEME, current + " redirects from https down to http ('" + next + "')");
            }
            if (seen.contains(next)) {
                throw new EgressRefusedException(EgressRule.REDIRECT_REFUSED, url + ": redirect loop at " + next);
            }
            current = next;
        }
    }

    /**
     * POST {@code body} to {@code url}; redirects are not followed (the status is returned).
     *
     * @throws EgressRefusedException when the URL or its address is refused; nothing was sent
     */
    public int post(URI url, Map<String, String> headers, byte[] body, String contentType, Duration responseTimeout) throws IOException {
        policy.checkUrl(url);
        HttpPost post = new HttpPost(url);
        post.setEntity(new ByteArrayEntity(body, ContentType.parse(contentType)));
        ClassicHttpResponse response = send(post, headers, responseTimeout);
        int status = response.getCode();
        discard(post, response);   // the receiver's body is not read: it could be endless
        return status;
    }

    /**
     * Drops the connection without reading what is left of the body (closing an Apache response
     * reads the rest first, which a hostile server can make last forever).
     */
    private static void discard(HttpUriRequestBase request, ClassicHttpResponse response) {
        request.cancel();
        try {
            response.close();
        } catch (IOException ignored) {
            // the connection is gone already
        }
    }

    private ClassicHttpResponse send(HttpUriRequestBase request, Map<String, String> headers, Duration responseTimeout)
            throws IOException {
        headers.forEach(request::setHeader);
        request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(responseTimeout)).build());
        try {
            return http.executeOpen(null, request, null);
        } catch (RefusedHost e) {
            throw e.refusal;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI resolveLocation(URI base, String location) throws EgressRefusedException {
        try {
            return base.resolve(new URI(location.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new EgressRefusedException(EgressRule.REDIRECT_REFUSED, base + " redirects to an invalid URL: " + location);
        }
    }

    @Override
    public void close() {
        http.close(CloseMode.IMMEDIATE);
    }

    /** The refusal travels through the library as the only exception its resolver may throw. */
    private static final class RefusedHost extends UnknownHostException {
        final EgressRefusedException refusal;

        RefusedHost(EgressRefusedException refusal) {
            super(refusal.getMessage());
            this.refusal = refusal;
        }
    }

    /** The library's only way to learn addresses: every connection goes through {@link EgressPolicy#resolve}. */
    private static final class PolicyResolver implements DnsResolver {
        private final EgressPolicy policy;

        PolicyResolver(EgressPolicy policy) {
            this.policy = policy;
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            return addresses(host, -1).toArray(InetAddress[]::new);
        }

        @Override
        public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
            List<InetSocketAddress> out = new ArrayList<>();
            for (InetAddress a : addresses(host, port)) {
                out.add(new InetSocketAddress(a, port));
            }
            return out;
        }

        private List<InetAddress> addresses(String host, int port) throws UnknownHostException {
            try {
                return policy.resolve(host, port);
            } catch (EgressRefusedException e) {
                throw new RefusedHost(e);
            }
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;   // never a reverse lookup
        }
    }
}
