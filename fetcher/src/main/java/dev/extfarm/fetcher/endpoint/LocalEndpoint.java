package dev.extfarm.fetcher.endpoint;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The local endpoint: HTTP/1.1 on 127.0.0.1 (JDK {@code HttpServer}) and/or on a unix socket (a
 * minimal one-request-per-connection HTTP/1.1 server, which is all a PostgreSQL backend needs).
 * Every request is served on its own thread, so a request waiting for an install never holds up
 * {@code /status} or another request.
 */
public final class LocalEndpoint implements AutoCloseable {

    private final Routes routes;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fetch-endpoint");
        t.setDaemon(true);
        return t;
    });
    private HttpServer http;
    private ServerSocketChannel unix;
    private Path socketPath;

    public LocalEndpoint(Routes routes) {
        this.routes = routes;
    }

    /** Listens on 127.0.0.1:port (0 = any free port); returns the port. */
    public int listen(int port) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        http.setExecutor(pool);
        http.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                Routes.Reply r = routes.handle(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery());
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(r.status(), r.body().length);
                ex.getResponseBody().write(r.body());
            }
        });
        http.start();
        return http.getAddress().getPort();
    }

    /** Listens on a unix socket (mode 0660; a stale socket file is replaced). */
    public void listenUnix(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        unix.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        socketPath = path;
        ServerSocketChannel listening = unix;
        Thread accept = new Thread(() -> {
            while (listening.isOpen()) {
                try {
                    SocketChannel c = listening.accept();
                    pool.submit(() -> serveUnix(c));
                } catch (IOException e) {
                    return;
                }
            }
        }, "fetch-endpoint-unix");
        accept.setDaemon(true);
        accept.start();
    }

    private void serveUnix(SocketChannel c) {
        try (c; InputStream in = Channels.newInputStream(c); OutputStream out = Channels.newOutputStream(c)) {
            String requestLine = line(in);
            if (requestLine == null) {
                return;
            }
            long length = 0;
            for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).strip().equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(h.substring(colon + 1).strip());
                }
            }
            in.skipNBytes(Math.min(length, 1 << 20));
            String[] parts = requestLine.split(" ");
            Routes.Reply r;
            if (parts.length < 2) {
                r = Routes.error(400, "bad-request", "expected 'METHOD /path HTTP/1.1'");
            } else {
                String target = parts[1];
                int q = target.indexOf('?');
                r = routes.handle(parts[0], q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1));
            }
            String head = "HTTP/1.1 " + r.status() + " " + reason(r.status()) + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + r.body().length + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(r.body());
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the client went away
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            if (sb.length() > 8192) {
                throw new IOException("header line too long");
            }
            sb.append((char) b);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 424 -> "Failed Dependency";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 507 -> "Insufficient Storage";
            default -> "Error";
        };
    }

    @Override
    /** Stops listening; closing again does nothing. */
    public synchronized void close() throws IOException {
        if (http != null) {
            http.stop(0);
            http = null;
        }
        if (unix != null) {
            unix.close();
            unix = null;
            Files.deleteIfExists(socketPath);
        }
        pool.shutdownNow();
    }
}
