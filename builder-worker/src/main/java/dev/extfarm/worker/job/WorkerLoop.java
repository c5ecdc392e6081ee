package dev.extfarm.worker.job;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.Target;
import dev.extfarm.recipe.egress.AllowList;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.recipe.source.SourceFetcherConfig;
import dev.extfarm.recipe.source.SourceMirrors;
import dev.extfarm.worker.oci.BundleImagePublisher;
import dev.extfarm.worker.pipeline.BuildImages;
import dev.extfarm.worker.pipeline.BuildLimits;
import dev.extfarm.worker.pipeline.BuildPipeline;
import dev.extfarm.worker.pipeline.DockerCli;
import dev.extfarm.worker.pipeline.ImageCatalog;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Claims jobs for the targets whose images this machine has and runs them, {@code concurrency}
 * at a time. Survives registry restarts (backoff); on shutdown stops claiming and lets running
 * builds finish (a build cut short is rescued by the lease sweep on the registry).
 */
@ApplicationScoped
public class WorkerLoop {

    /** How often a worker looks for the images of a target it does not serve yet. */
    static final Duration IMAGE_RECHECK = Duration.ofSeconds(10);

    private final WorkerConfig config;
    private final SourceFetcherConfig sourceConfig;
    private final SourceMirrors mirrors;
    private volatile boolean stopping;
    private ExecutorService threads;

    WorkerLoop(WorkerConfig config, SourceSettings sources) {
        this.config = config;
        this.sourceConfig = sourceFetcherConfig(config, sources);
        this.mirrors = SourceMirrors.fromSetting(sources.mirrors().orElse(null));
        Log.infof("sources: cache %s, %s, %s", config.sourceCache(),
                mirrors.dirs().isEmpty() ? "no source mirror" : "mirrors " + mirrors,
                sources.allow().filter(a -> !a.isBlank()).map(a -> "allowed beyond public addresses: " + a).orElse("public addresses only"));
    }

    /** Public source addresses only, plus the operator's allow list (a bad entry stops the worker at start, named). */
    static SourceFetcherConfig sourceFetcherConfig(WorkerConfig config, SourceSettings sources) {
        SourceFetcherConfig defaults = SourceFetcherConfig.defaults(config.sourceCache());
        return defaults.withEgress(defaults.egress().withAllowList(AllowList.parse(sources.allow().orElse(""))));
    }

    void onStart(@Observes StartupEvent e) {
        if (!config.enabled()) {
            return;
        }
        threads = Executors.newFixedThreadPool(config.concurrency());
        for (int i = 0; i < config.concurrency(); i++) {
            int slot = i;
            threads.submit(() -> loop(slot));
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        stopping = true;
        if (threads != null) {
            threads.shutdown();
            try {
                threads.awaitTermination(config.wallTime().toSeconds() + 60, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public String workerId() {
        return config.id().orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName() + "-" + ManagementFactory.getRuntimeMXBean().getPid();
            } catch (IOException e) {
                return "worker-" + ManagementFactory.getRuntimeMXBean().getPid();
            }
        });
    }

    private void loop(int slot) {
        DockerCli docker = new DockerCli();
        RegistryClient registry = new RegistryClient(config.registry(), config.token().orElse(null));
        BuildLimits limits = new BuildLimits(parseBytes(config.memory()), 2048, 2.0, config.wallTime());
        String id = workerId() + (config.concurrency() > 1 ? "-" + slot : "");
        Duration backoff = config.pollInterval();
        try (SourceFetcher sources = new SourceFetcher(sourceConfig, mirrors)) {
            JobRunner runner = new JobRunner(registry, sources, new BuildPipeline(docker, limits), id,
                    new BundleImagePublisher(config.registry(), config.token().orElse(null)));
            // targets whose images are missing are looked for again, and served once they appear
            ServedTargets served = new ServedTargets(config.targets(), new ImageCatalog(docker)::resolve, IMAGE_RECHECK,
                    line -> Log.infof("worker %s %s", id, line));
            while (!stopping) {
                try {
                    Collection<BuildImages> images = served.current();
                    if (images.isEmpty()) {
                        Thread.sleep(config.pollInterval().toMillis());
                        continue;
                    }
                    List<Target> targets = images.stream()
                            .map(i -> new Target(i.pgMajor(), i.platform(), i.packagesDigest())).toList();
                    List<ClaimedJob> jobs = registry.claim(id, targets, 1);
                    backoff = config.pollInterval();
                    if (jobs.isEmpty()) {
                        Thread.sleep(config.pollInterval().toMillis());
                        continue;
                    }
                    for (ClaimedJob job : jobs) {
                        BuildImages img = images.stream()
                                .filter(i -> i.pgMajor() == job.pgMajor() && i.platform().equals(job.platform()))
                                .findFirst().orElseThrow(() -> new IOException("claimed a job for a target we do not serve"));
                        Path work = config.workDir().resolve("job-" + job.id() + "-" + job.leaseToken());
                        runner.run(job, img, work);
                        if (!config.keepWork()) {
                            deleteQuietly(work);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    Log.warnf("worker %s: %s; retrying in %d s", id, e.getMessage(), backoff.toSeconds());
                    try {
                        Thread.sleep(backoff.toMillis());
                    } catch (InterruptedException ie) {
                        return;
                    }
                    backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
                }
            }
        }
    }

    static long parseBytes(String s) {
        String t = s.strip().toLowerCase();
        long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException ignored) {
            // a leftover work directory is harmless
        }
    }
}
