package dev.extfarm.registry.bundle;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * No HTTP/2 over plain HTTP ({@code Upgrade: h2c}): to upgrade, the server must first read the whole
 * request body into memory, so a client that asks (Java's HttpClient does by default) would make a
 * 2 GB upload a 2 GB heap. Plain HTTP is HTTP/1.1, which is also what zero-copy {@code sendFile}
 * needs; HTTP/2 stays available over TLS.
 */
@ApplicationScoped
public class NoCleartextHttp2 implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }
}
