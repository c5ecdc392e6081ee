package dev.extfarm.worker.job;

import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import io.quarkus.logging.Log;
import java.util.function.Consumer;

/** Buffers log lines and sends them to the registry in chunks (on flush, or when the buffer is large). */
final class LogShipper implements Consumer<String> {

    private static final int MAX_BUFFER = 64 * 1024;

    private final RegistryClient registry;
    private final ClaimedJob job;
    private final StringBuilder buffer = new StringBuilder();

    LogShipper(RegistryClient registry, ClaimedJob job) {
        this.registry = registry;
        this.job = job;
    }

    @Override
    public void accept(String line) {
        boolean full;
        synchronized (buffer) {
            buffer.append(line).append('\n');
            full = buffer.length() > MAX_BUFFER;
        }
        if (full) {
            flush();
        }
    }

    void flush() {
        String chunk;
        synchronized (buffer) {
            if (buffer.isEmpty()) {
                return;
            }
            chunk = buffer.toString();
            buffer.setLength(0);
        }
        try {
            registry.appendLog(job, chunk);
        } catch (RegistryClient.LeaseLostException e) {
            // the heartbeat notices too; nothing more of ours is accepted
        } catch (Exception e) {
            Log.warnf("job %d: log chunk not delivered (%s); keeping it for the next flush", job.id(), e.getMessage());
            synchronized (buffer) {
                buffer.insert(0, chunk);
            }
        }
    }
}
