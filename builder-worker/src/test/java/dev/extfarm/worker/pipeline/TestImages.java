package dev.extfarm.worker.pipeline;

import java.time.Duration;

/**
 * Resolves builder images for tests. CI builds them in the background while Maven runs and
 * exports the builder's pid as EXTFARM_IMAGES_PID: tests that need images wait for it.
 */
final class TestImages {

    private TestImages() {
    }

    static BuildImages resolve(String target) throws Exception {
        String pid = System.getenv("EXTFARM_IMAGES_PID");
        if (pid != null && !pid.isBlank()) {
            var builder = ProcessHandle.of(Long.parseLong(pid.strip()));
            long deadline = System.nanoTime() + Duration.ofMinutes(40).toNanos();
            while (builder.isPresent() && builder.get().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(2000);
            }
        }
        return new ImageCatalog(new DockerCli()).resolve(target);
    }
}
