package dev.extfarm.worker.farm;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream site on 127.0.0.1 for fixture recipes: serves the files it is given by name, counts
 * requests. Loopback is not a public address: the registry and the workers reach it only with
 * {@link #allowEntry()} in their EXTFARM_SOURCE_ALLOW, as an operator would allow an internal host.
 */
final class SourceServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    SourceServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            Path file = files.get(exchange.getRequestURI().getPath());
            try (exchange) {
                if (file == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, Files.size(file));
                try (OutputStream out = exchange.getResponseBody()) {
                    Files.copy(file, out);
                }
            }
        });
        server.start();
    }

    /** Serves {@code file} at /{its file name}; returns its URL. */
    URI serve(Path file) {
        String path = "/" + file.getFileName();
        files.put(path, file);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** The allow-list entry for this server: exactly its address and port. */
    String allowEntry() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
