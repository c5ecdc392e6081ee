package dev.extfarm.fetcher.download;

/**
 * Shares the bandwidth of background downloads (a token bucket; 0 = unlimited) and holds them
 * while an urgent download runs, so that an on-demand request gets the link to itself.
 */
public final class Throttle {

    private final long bytesPerSecond;
    private long available;
    private long lastRefill = System.nanoTime();
    private int urgent;

    public Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        this.available = bytesPerSecond;
    }

    public static Throttle unlimited() {
        return new Throttle(0);
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** An urgent download started; background ones pause between reads until it ends. */
    public synchronized void urgentStarted() {
        urgent++;
    }

    public synchronized void urgentEnded() {
        urgent--;
        notifyAll();
    }

    public synchronized boolean urgentRunning() {
        return urgent > 0;
    }

    /** Called by a download before each read: a background download waits while an urgent one runs. */
    public synchronized void pause(Urgency urgency) throws InterruptedException {
        while (urgent > 0 && urgency.isBackground()) {
            wait(100);
        }
    }

    /**
     * Called after a background download read {@code n} bytes: takes them from the bucket (which
     * holds at most one second's worth) and sleeps off any debt, so the long-run rate of all
     * background downloads together stays at {@code bytesPerSecond}.
     */
    public synchronized void consume(long n, Urgency urgency) throws InterruptedException {
        if (bytesPerSecond <= 0 || !urgency.isBackground()) {
            return;
        }
        refill();
        available -= n;
        while (available < 0 && urgency.isBackground()) {
            long waitMs = Math.max(1, -available * 1000 / bytesPerSecond);
            wait(Math.min(waitMs, 200));
            refill();
        }
    }

    private void refill() {
        long now = System.nanoTime();
        available = Math.min(bytesPerSecond, available + (now - lastRefill) * bytesPerSecond / 1_000_000_000L);
        lastRefill = now;
    }

    /** Whether a download is background (throttled, pausable) right now; a job may be promoted mid-way. */
    public interface Urgency {
        boolean isBackground();

        Urgency URGENT = () -> false;
        Urgency BACKGROUND = () -> true;
    }
}
