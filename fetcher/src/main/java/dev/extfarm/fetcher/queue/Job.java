package dev.extfarm.fetcher.queue;

import dev.extfarm.fetcher.download.Throttle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** One bundle to install; its priority can only rise while it waits or runs. */
public final class Job implements Throttle.Urgency {

    /** How a job ended well. {@code state}: installed, already-installed, pending-restart. */
    public record Outcome(String bundle, String version, String state, long millis, boolean fromCache) {
    }

    final String bundle;
    /** The sha-256 of the version to install (one of the entry's {@code versions}); null = the version the spec wants. */
    final String target;
    final long seq;
    volatile Priority priority;
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    final AtomicBoolean claimed = new AtomicBoolean();
    final AtomicBoolean countedUrgent = new AtomicBoolean();
    final AtomicLong bytes = new AtomicLong();
    volatile long size;
    volatile long startedNanos;

    Job(String bundle, String target, Priority priority, long seq) {
        this.bundle = bundle;
        this.target = target;
        this.priority = priority;
        this.seq = seq;
    }

    public String bundle() {
        return bundle;
    }

    /** The sha-256 of the version this job installs, when it is not the one the spec wants (an explicit update). */
    public String target() {
        return target;
    }

    public Priority priority() {
        return priority;
    }

    public CompletableFuture<Outcome> done() {
        return done;
    }

    public boolean running() {
        return claimed.get();
    }

    public long bytes() {
        return bytes.get();
    }

    public long size() {
        return size;
    }

    public void size(long s) {
        size = s;
    }

    /** Adds downloaded bytes (progress). */
    public void progress(long n) {
        bytes.addAndGet(n);
    }

    public long elapsedMillis() {
        return startedNanos == 0 ? 0 : (System.nanoTime() - startedNanos) / 1_000_000;
    }

    @Override
    public boolean isBackground() {
        return priority == Priority.BACKGROUND;
    }
}
