package dev.extfarm.registry.builds;

/** Fired inside the transaction that gives a build its final status; the log is archived after commit. */
public record BuildFinished(long buildId, String extension, int pgMajor, BuildStatus status) {
}
