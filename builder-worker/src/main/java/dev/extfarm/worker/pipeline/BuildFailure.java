package dev.extfarm.worker.pipeline;

import java.util.List;

/**
 * Why a build failed: the step, the cause (a stable id such as {@code patch-rejected}), who can
 * fix it, the exit code, and a sentence for the report. A {@link Responsibility#FARM} failure is
 * the farm's own (Docker down, disk full) and is retried, never reported as the extension's.
 */
public record BuildFailure(Step step, String cause, Responsibility responsibility, int exitCode, String message,
                           List<String> waitingFor) {

    /** The failure cause of a bundle whose farm-built dependencies are not published for the target yet. */
    public static final String DEPENDENCY_UNAVAILABLE = "dependency-unavailable";

    public BuildFailure {
        waitingFor = waitingFor == null ? List.of() : List.copyOf(waitingFor);
    }

    public BuildFailure(Step step, String cause, Responsibility responsibility, int exitCode, String message) {
        this(step, cause, responsibility, exitCode, message, List.of());
    }

    public enum Responsibility {
        UPSTREAM("upstream"), RECIPE("recipe"), FARM("farm");

        private final String id;

        Responsibility(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * A farm fault is retried at once. A build waiting for its dependencies is not: it ends, the
     * farm's responsibility, and the registry queues it again once they are published.
     */
    public boolean isFarmFault() {
        return responsibility == Responsibility.FARM && waitingFor.isEmpty();
    }

    /** Thrown inside the pipeline to stop at the failing step. */
    public static final class Exception extends RuntimeException {
        private final BuildFailure failure;

        public Exception(BuildFailure failure) {
            super(failure.step().id() + ": " + failure.cause() + ": " + failure.message());
            this.failure = failure;
        }

        public BuildFailure failure() {
            return failure;
        }
    }

    public Exception toException() {
        return new Exception(this);
    }
}
