package dev.extfarm.fetcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL the pg_extfarm tests run against: PostgreSQL 15 of this machine, or PostgreSQL
 * 17/18 in containers of the farm's runtime images (infra/builder-images, targets {@code
 * trixie-pg17}, {@code sid-pg18}), with pg_extfarm compiled in the matching build image.
 *
 * @param imageTarget null = this machine's PostgreSQL 15
 */
record PgTarget(int major, String imageTarget, String platform) {

    static final PgTarget LOCAL_15 = new PgTarget(15, null, "debian-12-amd64-glibc");
    static final PgTarget TRIXIE_17 = new PgTarget(17, "trixie-pg17", "debian-13-amd64-glibc");
    static final PgTarget SID_18 = new PgTarget(18, "sid-pg18", "debian-sid-amd64-glibc");

    /** The core scenarios (CREATE EXTENSION + control + fetch failure, implicit load): every major, always. */
    static List<PgTarget> all() {
        return List.of(LOCAL_15, TRIXIE_17, SID_18);
    }

    /**
     * The other scenarios: every major, except in CI's short mode (CI=true), where 17/18 run only
     * the core ones (each container case costs 30-100 s on a loaded machine);
     * {@code -Dpgmodule.all-targets=true} runs everything everywhere.
     */
    static List<PgTarget> allOutsideCi() {
        boolean shortMode = "true".equals(System.getenv("CI")) && !Boolean.getBoolean("pgmodule.all-targets");
        return shortMode ? List.of(LOCAL_15) : all();
    }

    boolean local() {
        return imageTarget == null;
    }

    @Override
    public String toString() {
        return local() ? "PostgreSQL 15 (this machine)" : "PostgreSQL " + major + " (" + imageTarget + " runtime image)";
    }

    /**
     * Skips the test (an assumption) when this target cannot run here: no PostgreSQL 15 server +
     * headers, or no image of the target outside CI. In CI (CI=true) either is a failure: .ci/run
     * installs and builds them, so absence there is a bug, not a reason to skip.
     */
    void assumeAvailable() throws Exception {
        if (local()) {
            if (!PgModules.available() && "true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI: PostgreSQL 15 server + headers (postgresql-server-dev-15) missing although .ci/run installs them");
            }
            Assumptions.assumeTrue(PgModules.available(), "PostgreSQL 15 server + headers (postgresql-server-dev-15) needed");
            return;
        }
        waitForCiImageBuild();
        boolean present = image("build") != null && image("runtime") != null;
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI: no " + imageTarget + " images in the Docker engine although .ci/run builds them"
                    + " (see target/ci-images.log)");
        }
        Assumptions.assumeTrue(present, "no " + imageTarget + " build/runtime images in the local Docker engine;"
                + " build them with infra/builder-images/build-images.sh " + imageTarget);
    }

    /**
     * The image of this target, "build" or "runtime"; null if absent. As the builder worker finds
     * them (ImageCatalog): the newest build image by the labels build-images.sh sets, and the
     * runtime image its label names.
     */
    String image(String kind) throws Exception {
        if (local()) {
            return null;
        }
        String build = docker("images", "--filter", "label=dev.extfarm.kind=build", "--filter", "label=dev.extfarm.target=" + imageTarget,
                "--format", "{{.Repository}}:{{.Tag}}").lines().map(String::strip)
                .filter(s -> !s.isEmpty() && !s.endsWith(":<none>")).findFirst().orElse(null);
        if (build == null || kind.equals("build")) {
            return build;
        }
        String runtime = docker("image", "inspect", "--format", "{{index .Config.Labels \"dev.extfarm.runtime-image\"}}", build).strip();
        return runtime.isEmpty() || docker("image", "inspect", "--format", "ok", runtime).isBlank() ? null : runtime;
    }

    /** stdout of a docker command; empty when it fails (no docker, no such image). */
    private static String docker(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "";
    }

    /** .ci/run builds images in the background and exports the builder's pid: wait for it. */
    private static void waitForCiImageBuild() throws InterruptedException {
        String pid = System.getenv("EXTFARM_IMAGES_PID");
        if (pid == null || pid.isBlank()) {
            return;
        }
        var builder = ProcessHandle.of(Long.parseLong(pid.strip()));
        long deadline = System.nanoTime() + Duration.ofMinutes(40).toNanos();
        while (builder.isPresent() && builder.get().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2000);
        }
    }

    /** The server headers of this target exist (only asked for the local one; images have them). */
    static boolean localHeaders() {
        return Files.exists(Path.of("/usr/include/postgresql/15/server/postgres.h"));
    }
}
