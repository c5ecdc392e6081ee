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

    /** Called by a download before it reads up to {@code n} more bytes: pauses and throttles background ones. */
    public synchronized void acquire(int n, Urgency urgency) throws InterruptedException {
        while (urgency.isBackground()) {
            if (urgent > 0) {
                wait(100);
                continue;
            }
            if (bytesPerSecond <= 0) {
                return;
            }
            long now = System.nanoTime();
            available = Math.min(bytesPerSecond, available + (now - lastRefill) * bytesPerSecond / 1_000_000_000L);
            lastRefill = now;
            if (available >= Math.min(n, bytesPerSecond)) {
                available -= n;
                return;
            }
            wait(Math.min(100, Math.max(1, (n - available) * 1000 / bytesPerSecond)));
        }
    }

    /** Whether a download is background (throttled, pausable) right now; a job may be promoted mid-way. */
    public interface Urgency {
        boolean isBackground();

        Urgency URGENT = () -> false;
        Urgency BACKGROUND = () -> true;
    }
}
