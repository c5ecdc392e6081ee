package dev.extfarm.fetcher.http;

/**
 * Before {@code System.exit} of a short-lived command: ends the selector threads of the JDK HTTP
 * clients. JDK 17's VM exit waits for every thread that runs native code to stop, up to 300 ms
 * for application threads, and a client's selector thread sits in {@code epoll_wait} until its
 * client is garbage-collected (JDK 17 has no {@code HttpClient.close()}): every {@code prepare}
 * or {@code install} that downloaded anything lasted 0.3 s longer than its work. An interrupted
 * selector thread closes its selector and ends (the JDK's own shutdown path).
 */
public final class ExitWithoutDelay {

    private ExitWithoutDelay() {
    }

    /** Interrupts the threads named {@code HttpClient-<n>-SelectorManager} and waits up to 200 ms for them to end. */
    public static void stopHttpSelectors() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        long deadline = System.nanoTime() + 200_000_000L;
        for (int i = 0; i < n; i++) {
            if (isSelector(threads[i])) {
                threads[i].interrupt();
            }
        }
        for (int i = 0; i < n; i++) {
            if (isSelector(threads[i])) {
                try {
                    threads[i].join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    static boolean isSelector(Thread t) {
        String name = t.getName();
        return name.startsWith("HttpClient-") && name.endsWith("-SelectorManager");
    }
}
