package dev.extfarm.fetcher.download;

import java.time.Duration;

/**
 * @param timeout    for the response headers, and the longest silence while reading a body
 * @param retries    reconnections after a dropped or refused connection, per download attempt
 * @param backoff    first pause between reconnections, doubled each time up to {@code maxBackoff}
 */
public record DownloadSettings(Duration timeout, int retries, Duration backoff, Duration maxBackoff) {

    public static final DownloadSettings DEFAULT = new DownloadSettings(Duration.ofSeconds(30), 8,
            Duration.ofMillis(250), Duration.ofSeconds(10));

    /** Bytes the JDK client reads from a socket at a time (its own default is 16 KiB). */
    static final int HTTP_BUFFER = 256 << 10;

    /**
     * Makes the JDK HttpClient read responses in {@link #HTTP_BUFFER} buffers instead of 16 KiB
     * ones, unless {@code -Djdk.httpclient.bufsize} says otherwise. A 256 MiB bundle is then 1,000
     * buffers through the client's reactive pipeline instead of 16,000: fewer calls, and far fewer
     * of its methods get hot enough for the C2 compiler, which otherwise spends seconds of CPU on
     * them in a cold JVM. The client reads the property once, when its first instance is built,
     * so this must run before any HttpClient of the JVM.
     */
    public static void preferLargeHttpBuffers() {
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", String.valueOf(HTTP_BUFFER));
        }
    }
}
