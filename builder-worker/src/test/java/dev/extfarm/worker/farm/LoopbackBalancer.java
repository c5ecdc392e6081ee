package dev.extfarm.worker.farm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * "Two registry replicas behind one address" for tests: a TCP forwarder on 127.0.0.1 that hands
 * each new connection to the next replica in turn and skips one that refuses the connection
 * (a dead replica), as a load balancer's health check would. It stands in for the HAProxy, nginx
 * or Kubernetes Service of a real deployment; connections in flight to a replica that dies break,
 * and the client sees that, exactly as it would behind a real balancer.
 */
final class LoopbackBalancer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Integer> backends;
    private final AtomicInteger next = new AtomicInteger();

    LoopbackBalancer(List<Integer> backendPorts) throws IOException {
        this.backends = List.copyOf(backendPorts);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "balancer-accept");
        accept.setDaemon(true);
        accept.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> connect(client), "balancer-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void connect(Socket client) {
        int start = Math.floorMod(next.getAndIncrement(), backends.size());
        for (int i = 0; i < backends.size(); i++) {
            int port = backends.get((start + i) % backends.size());
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            } catch (IOException refused) {
                closeQuietly(upstream);
                continue;
            }
            pipe(client, upstream);
            return;
        }
        closeQuietly(client); // no replica alive
    }

    private static void pipe(Socket client, Socket upstream) {
        Thread up = new Thread(() -> copy(client, upstream), "balancer-up");
        up.setDaemon(true);
        up.start();
        copy(upstream, client);
    }

    /** Copies until either side ends, then closes both: a broken upstream breaks the client's connection. */
    private static void copy(Socket from, Socket to) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // one side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
