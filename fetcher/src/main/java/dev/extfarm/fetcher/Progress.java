package dev.extfarm.fetcher;

import dev.extfarm.fetcher.queue.Job;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.protocol.ComputeSpec;
import java.util.function.LongConsumer;

/** Download progress of one job: counted on the job (for /status) and drawn as a bar on a terminal. */
final class Progress implements LongConsumer {

    private static final int WIDTH = 30;

    private final Log log;
    private final ComputeSpec.Entry entry;
    private final Job job;
    private final long t0 = System.nanoTime();
    private long lastDraw;

    Progress(Log log, ComputeSpec.Entry entry, Job job) {
        this.log = log;
        this.entry = entry;
        this.job = job;
    }

    @Override
    public void accept(long n) {
        job.progress(n);
        if (!log.terminal()) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        long done = Math.min(job.bytes(), entry.size());
        int filled = (int) (WIDTH * done / Math.max(1, entry.size()));
        double secs = Math.max(1e-3, (now - t0) / 1e9);
        log.progress(String.format("%-24s [%s%s] %3d%% %s/%s %s/s", entry.label(), "=".repeat(filled), " ".repeat(WIDTH - filled),
                100 * done / Math.max(1, entry.size()), Log.bytes(done), Log.bytes(entry.size()), Log.bytes((long) (done / secs))));
    }

    void done() {
        // the final line is the "installed ..." log line, which clears the bar
    }
}
