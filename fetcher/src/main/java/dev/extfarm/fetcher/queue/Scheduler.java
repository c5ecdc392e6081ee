package dev.extfarm.fetcher.queue;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.download.Throttle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs install jobs by priority. {@code concurrency} workers take preload and background jobs from
 * one priority queue; urgent and shared-preload jobs start at once on their own threads, past
 * every queued job and whatever the workers are busy with, and while an urgent job runs the
 * background downloads pause (see {@link Throttle}). Asking for a bundle that already has a job
 * returns that job, promoted if the new priority is higher.
 */
public final class Scheduler implements AutoCloseable {

    /** The body of a job. */
    public interface Work {
        Job.Outcome run(Job job) throws FetchException;
    }

    private final Work work;
    private final Throttle throttle;
    private final PriorityBlockingQueue<Job> queue = new PriorityBlockingQueue<>(64,
            Comparator.comparing((Job j) -> j.priority).thenComparingLong(j -> j.seq));
    private final Map<String, Job> active = new LinkedHashMap<>();
    private final ExecutorService workers;
    private final ExecutorService urgent;
    private long seq;
    private volatile boolean closed;

    public Scheduler(Work work, Throttle throttle, int concurrency) {
        this.work = work;
        this.throttle = throttle;
        this.workers = Executors.newFixedThreadPool(concurrency, threads("fetch-worker"));
        this.urgent = Executors.newCachedThreadPool(threads("fetch-urgent"));
        for (int i = 0; i < concurrency; i++) {
            workers.submit(this::workerLoop);
        }
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The job for this bundle at (at least) this priority. */
    public Job submit(String bundle, Priority priority) {
        return submit(bundle, priority, null);
    }

    /**
     * The job installing this version ({@code target}: a sha-256, or null for the version the spec
     * wants) of the bundle at (at least) this priority. One job per bundle at a time: while a job
     * for another version of it is waiting or running, that job is returned (check {@link
     * Job#target()}, wait for it, ask again).
     */
    public synchronized Job submit(String bundle, Priority priority, String target) {
        if (closed) {
            Job j = new Job(bundle, target, priority, seq++);
            j.done.completeExceptionally(new FetchException(FetchException.Kind.UNAVAILABLE, "stopping", "the fetcher is stopping"));
            return j;
        }
        Job j = active.get(bundle);
        if (j != null) {
            if (priority.compareTo(j.priority) < 0) {
                j.priority = priority;
                if (!j.claimed.get() && queue.remove(j)) {
                    dispatch(j);
                } else if (priority == Priority.URGENT && j.claimed.get() && !j.countedUrgent.getAndSet(true)) {
                    throttle.urgentStarted();
                }
            }
            return j;
        }
        j = new Job(bundle, target, priority, seq++);
        active.put(bundle, j);
        dispatch(j);
        return j;
    }

    private void dispatch(Job j) {
        if (j.priority.compareTo(Priority.SHARED_PRELOAD) <= 0) {
            urgent.submit(() -> run(j));
        } else {
            queue.add(j);
        }
    }

    private void workerLoop() {
        while (!closed) {
            try {
                Job j = queue.poll(500, TimeUnit.MILLISECONDS);
                if (j != null) {
                    run(j);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void run(Job j) {
        if (!j.claimed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (j.priority == Priority.URGENT && !j.countedUrgent.getAndSet(true)) {
                throttle.urgentStarted();
            }
        }
        j.startedNanos = System.nanoTime();
        Job.Outcome outcome = null;
        FetchException failure = null;
        try {
            outcome = work.run(j);
        } catch (FetchException e) {
            failure = e;
        } catch (RuntimeException | Error e) {
            failure = new FetchException(FetchException.Kind.UNAVAILABLE, "internal", "installing " + j.bundle + " failed unexpectedly: " + e, e);
        } finally {
            // out of the active jobs before anyone waiting on it goes on: the status then never shows it still running
            synchronized (this) {
                active.remove(j.bundle, j);
                if (j.countedUrgent.getAndSet(false)) {
                    throttle.urgentEnded();
                }
            }
        }
        if (failure != null) {
            j.done.completeExceptionally(failure);
        } else {
            j.done.complete(outcome);
        }
    }

    /** Jobs waiting or running, in queue order. */
    public synchronized List<Job> jobs() {
        List<Job> all = new ArrayList<>(active.values());
        all.sort(Comparator.comparing((Job j) -> !j.claimed.get()).thenComparing(j -> j.priority).thenComparingLong(j -> j.seq));
        return all;
    }

    public synchronized Job job(String bundle) {
        return active.get(bundle);
    }

    @Override
    public void close() {
        closed = true;
        workers.shutdownNow();
        urgent.shutdownNow();
        synchronized (this) {
            for (Job j : active.values()) {
                j.done.completeExceptionally(new FetchException(FetchException.Kind.UNAVAILABLE, "stopping", "the fetcher is stopping"));
            }
        }
    }
}
