package dev.extfarm.worker.pipeline;

/** The steps of a build, in order. Their names appear in reports and in the job log's step markers. */
public enum Step {
    FETCH("fetch"),
    VERIFY_SOURCE("verify-source"),
    BUILD_DEPS("build-deps"),
    PATCH("patch"),
    PRE_BUILD("pre-build"),
    /** autoconf and cmake only: {@code ./configure} or {@code cmake -S . -B ...}. */
    CONFIGURE("configure"),
    BUILD("build"),
    INSTALL("install"),
    COLLECT("collect"),
    BUNDLE_LIBS("bundle-libs"),
    SMOKE_TEST("smoke-test"),
    /** Upstream's regression suite against a server set up like the smoke test's (Installcheck). */
    INSTALLCHECK("installcheck"),
    PACK("pack"),
    PUBLISH("publish"),
    /** A reproducibility rebuild only: its bundle compared with the published one (instead of publish). */
    COMPARE("compare");

    private final String id;

    Step(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Step fromId(String id) {
        for (Step s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown step " + id);
    }
}
