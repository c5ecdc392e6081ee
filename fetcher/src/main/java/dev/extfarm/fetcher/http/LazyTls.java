package dev.extfarm.fetcher.http;

import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A TLS context that becomes the real one (by default the JVM's, {@link SSLContext#getDefault()})
 * on the first https connection. The JDK HTTP client asks for its TLS context when it is built,
 * and the default context loads and parses every CA certificate of the JVM then: about a third
 * of a second of a fetcher start, for nothing when the registry is plain http (a node's
 * in-cluster registry, the benchmarks) or when nothing is downloaded at all.
 */
final class LazyTls extends SSLContext {

    private final Spi spi;

    LazyTls(Supplier<SSLContext> real) {
        this(new Spi(real));
    }

    private LazyTls(Spi spi) {
        super(spi, null, "TLS");
        this.spi = spi;
    }

    static Supplier<SSLContext> defaultContext() {
        return () -> {
            try {
                return SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no default TLS context: " + e.getMessage(), e);
            }
        };
    }

    boolean initialised() {
        return spi.real != null;
    }

    private static final class Spi extends SSLContextSpi {

        private final Supplier<SSLContext> supplier;
        private volatile SSLContext real;

        Spi(Supplier<SSLContext> supplier) {
            this.supplier = supplier;
        }

        private SSLContext real() {
            SSLContext r = real;
            if (r == null) {
                synchronized (this) {
                    r = real;
                    if (r == null) {
                        r = supplier.get();
                        real = r;
                    }
                }
            }
            return r;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("a lazy TLS context takes the JVM's default configuration; it cannot be initialised");
        }

        /**
         * Parameters with no protocols and no cipher suites: an engine given them keeps the real
         * context's defaults (the JDK client copies these, adds host name verification and ALPN,
         * and applies them to each engine). Asking the real context here would initialise it.
         */
        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return new SSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return real().getSupportedSSLParameters();
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return real().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return real().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return real().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return real().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return real().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return real().getClientSessionContext();
        }
    }
}
