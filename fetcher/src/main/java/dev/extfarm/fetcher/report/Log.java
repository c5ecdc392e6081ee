package dev.extfarm.fetcher.report;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The fetcher's log lines ({@code HH:mm:ss.SSS fetcher: message}), and, on a terminal, one
 * progress line rewritten in place with {@code \r}; other output gets plain lines only.
 */
public final class Log {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintWriter out;
    private final boolean terminal;
    private boolean progressShown;

    public Log(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    public boolean terminal() {
        return terminal;
    }

    public synchronized void info(String message) {
        clearProgress();
        out.println(LocalTime.now().format(TIME) + " fetcher: " + message);
        out.flush();
    }

    /** On a terminal: replaces the progress line. Elsewhere: nothing (start and end are logged as lines). */
    public synchronized void progress(String line) {
        if (!terminal) {
            return;
        }
        String shown = line.length() > 150 ? line.substring(0, 150) : line;
        out.print("\r" + shown + "\033[K");
        out.flush();
        progressShown = true;
    }

    private void clearProgress() {
        if (progressShown) {
            out.print("\r\033[K");
            progressShown = false;
        }
    }

    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", n / 1048576.0);
        }
        return String.format("%.2f GiB", n / 1073741824.0);
    }
}
