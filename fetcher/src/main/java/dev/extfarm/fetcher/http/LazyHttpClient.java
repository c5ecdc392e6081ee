package dev.extfarm.fetcher.http;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The fetcher's HTTP client, built on its first request: building a JDK client starts its
 * selector thread, and that thread alone delays the exit of a short-lived JVM (see
 * {@link ExitWithoutDelay}). A {@code prepare} whose spec is a file and whose bundles are all in place
 * never builds one. The client's TLS context is a {@link LazyTls}: initialised on the first https
 * connection, so plain-http registries never load the CA certificates.
 */
public final class LazyHttpClient extends HttpClient {

    private final Supplier<HttpClient> build;
    private final LazyTls tls;
    private volatile HttpClient client;

    private LazyHttpClient(Supplier<HttpClient> build, LazyTls tls) {
        this.build = build;
        this.tls = tls;
    }

    /** Follows redirects (never https → http), {@code version} null = the JDK's default (HTTP/2 with fallback). */
    public static LazyHttpClient create(Duration connectTimeout, HttpClient.Version version) {
        return create(connectTimeout, version, LazyTls.defaultContext());
    }

    /** As {@link #create(Duration, Version)}, with the TLS context {@code realTls} gives on the first https connection. */
    public static LazyHttpClient create(Duration connectTimeout, HttpClient.Version version, Supplier<SSLContext> realTls) {
        LazyTls tls = new LazyTls(realTls);
        return new LazyHttpClient(() -> {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(Redirect.NORMAL).sslContext(tls);
            if (version != null) {
                b.version(version);
            }
            return b.build();
        }, tls);
    }

    /**
     * Builds the JDK client now, on a thread of its own, for a command that is about to download
     * anyway ({@code install}): its class loading and set-up (a few hundred classes, the selector
     * thread) then overlap the spec and state work instead of delaying the first request, which
     * waits for the build if it is still running. TLS stays lazy (first https connection).
     */
    public void buildInBackground() {
        Thread t = new Thread(() -> {
            try {
                client();
            } catch (RuntimeException ignored) {
                // the first request builds it again and reports why it cannot
            }
        }, "fetch-http-build");
        t.setDaemon(true);
        t.start();
    }

    /** Whether the JDK client was built (by a request or {@link #buildInBackground}). */
    public boolean built() {
        return client != null;
    }

    /** Whether an https connection was made (and TLS initialised). */
    public boolean tlsInitialised() {
        return tls.initialised();
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = build.get();
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        return client().send(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return client().sendAsync(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> push) {
        return client().sendAsync(request, handler, push);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return client().cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return client().connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return client().followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return client().proxy();
    }

    @Override
    public SSLContext sslContext() {
        return client().sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return client().sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return client().authenticator();
    }

    @Override
    public Version version() {
        return client().version();
    }

    @Override
    public Optional<Executor> executor() {
        return client().executor();
    }
}
