package dev.extfarm.worker.build;

/**
 * Why a build failed: the step, the cause (a stable id such as {@code patch-rejected}), who can
 * fix it, the exit code, and a sentence for the report. A {@link Responsibility#FARM} failure is
 * the farm's own (Docker down, disk full) and is retried, never reported as the extension's.
 */
public record BuildFailure(Step step, String cause, Responsibility responsibility, int exitCode, String message) {

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

    public boolean isFarmFault() {
        return responsibility == Responsibility.FARM;
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
