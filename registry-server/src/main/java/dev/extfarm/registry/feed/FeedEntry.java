package dev.extfarm.registry.feed;

import java.time.Duration;
import java.time.Instant;

/** One finished build as a feed shows it. */
record FeedEntry(long id, String extension, String version, int pgMajor, String platform, String status, String cause,
                 String step, String responsibility, String message, String bundleSha256, String workerId,
                 Instant startedAt, Instant finishedAt) {

    String title() {
        String head = extension + " " + version + " · PostgreSQL " + pgMajor + " · " + status;
        return cause == null ? head : head + ": " + cause + " at " + step;
    }

    String summary() {
        StringBuilder s = new StringBuilder();
        s.append("Build ").append(id).append(" of ").append(extension).append(' ').append(version).append(" for PostgreSQL ")
                .append(pgMajor).append(" on ").append(platform).append(": ").append(status).append('.');
        if (cause != null) {
            s.append(" Failed at step ").append(step).append(": ").append(cause);
            if (responsibility != null) {
                s.append(" (responsibility: ").append(responsibility).append(')');
            }
            s.append('.');
            if (message != null && !message.isBlank()) {
                s.append(' ').append(message);
            }
        }
        if (bundleSha256 != null) {
            s.append(" Bundle: extensions/").append(extension).append("/sha-256+").append(bundleSha256).append("/bundle.tar.");
        }
        if (startedAt != null && finishedAt != null) {
            s.append(" Took ").append(Duration.between(startedAt, finishedAt).toSeconds()).append(" s");
            if (workerId != null) {
                s.append(" on ").append(workerId);
            }
            s.append('.');
        }
        return s.toString();
    }
}
