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
}
