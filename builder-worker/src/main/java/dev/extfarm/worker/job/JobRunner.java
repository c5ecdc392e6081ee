package dev.extfarm.worker.job;

import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Digests;
import dev.extfarm.protocol.WorkerProtocol.BundleRef;
import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.CompleteRequest;
import dev.extfarm.protocol.WorkerProtocol.FailureReport;
import dev.extfarm.protocol.WorkerProtocol.RegressReport;
import dev.extfarm.protocol.WorkerProtocol.StepTiming;
import dev.extfarm.recipe.InvalidRecipeException;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.RecipeProblem;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.recipe.ValidationOptions;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.worker.pipeline.BuildFailure;
import dev.extfarm.worker.pipeline.BuildImages;
import dev.extfarm.worker.pipeline.BuildJob;
import dev.extfarm.worker.pipeline.BuildLog;
import dev.extfarm.worker.pipeline.BuildOutcome;
import dev.extfarm.worker.pipeline.BuildPipeline;
import dev.extfarm.worker.pipeline.RegressionReport;
import dev.extfarm.worker.pipeline.Step;
import dev.extfarm.worker.oci.BundleImagePublisher;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one claimed job: recipe → source → build pipeline → upload → complete, while a
 * background task heartbeats the lease and ships the log in chunks. A lost lease (409) stops
 * all reporting: the job belongs to another worker now, and nothing of ours may be published.
 */
final class JobRunner {

    private final RegistryClient registry;
    private final SourceFetcher sources;
    private final BuildPipeline pipeline;
    private final String workerId;
    private final BundleImagePublisher images;

    JobRunner(RegistryClient registry, SourceFetcher sources, BuildPipeline pipeline, String workerId) {
        this(registry, sources, pipeline, workerId, null);
    }

    JobRunner(RegistryClient registry, SourceFetcher sources, BuildPipeline pipeline, String workerId,
              BundleImagePublisher images) {
        this.images = images;
        this.registry = registry;
        this.sources = sources;
        this.pipeline = pipeline;
        this.workerId = workerId;
    }

    void run(ClaimedJob job, BuildImages images, Path work) throws InterruptedException {
        Instant started = Instant.now();
        LogShipper shipper = new LogShipper(registry, job);
        BuildLog log = new BuildLog(shipper);
        AtomicBoolean leaseLost = new AtomicBoolean();
        ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor();
        long every = Math.max(1, job.leaseTtlSeconds() / 3);
        beat.scheduleAtFixedRate(() -> {
            try {
                shipper.flush();
                Step s = log.current();
                if (registry.heartbeat(job, s == null ? "fetch" : s.id())) {
                    log.accept("##[extfarm] the job was cancelled");
                }
            } catch (RegistryClient.LeaseLostException e) {
                leaseLost.set(true);
            } catch (Exception e) {
                Log.warnf("heartbeat for job %d failed (will retry): %s", job.id(), e.getMessage());
            }
        }, every, every, TimeUnit.SECONDS);
        try {
            log.accept("##[extfarm] job " + job.id() + " attempt " + job.attempt() + ": " + job.extension() + " "
                    + job.version() + " for PostgreSQL " + job.pgMajor() + " on " + images.platform() + " by " + workerId);
            BuildOutcome outcome = build(job, images, work, log);
            shipper.flush();
            if (leaseLost.get()) {
                Log.warnf("job %d: lease lost while building; not publishing", job.id());
                return;
            }
            List<StepTiming> steps = new ArrayList<>();
            outcome.stepMillis().forEach((step, ms) -> steps.add(new StepTiming(step.id(), ms)));
            CompleteRequest result = CompleteRequest.of(workerId, images.packagesDigest(), steps, started, Instant.now());
            if (outcome.regression().isPresent()) {
                boolean kept = uploadDiffs(job, outcome.regression().get(), log);
                shipper.flush();
                RegressReport report = regress(outcome.regression().get());
                result = result.withRegress(kept ? report : report.withoutDiffs());
            }
            if (outcome.succeeded() && job.verify() != null) {
                // a reproducibility rebuild: compared here, never uploaded (RebuildVerdict)
                log.enter(Step.COMPARE);
                try {
                    result = result.rebuilt(RebuildVerdict.compare(registry, job, outcome.bundleFile().orElseThrow(), work, log));
                } catch (IOException e) {
                    BuildFailure f = new BuildFailure(Step.COMPARE, "compare-failed", BuildFailure.Responsibility.FARM, 0,
                            String.valueOf(e.getMessage()));
                    log.accept("##[extfarm] farm fault at compare: " + e.getMessage());
                    result = fail(result, f);
                }
                log.close();
                shipper.flush();
            } else if (outcome.succeeded()) {
                var packed = outcome.packed().orElseThrow();
                log.enter(Step.PUBLISH);
                try {
                    registry.upload(job, packed.address(), outcome.bundleFile().orElseThrow());
                } catch (RegistryClient.LeaseLostException e) {
                    throw e;
                } catch (IOException e) {
                    BuildFailure f = publishFailure(e);
                    log.accept("##[extfarm] build failed at " + f.step().id() + ": " + f.cause() + ": " + f.message());
                    shipper.flush();
                    registry.complete(job, fail(result, f));
                    return;
                }
                log.accept("##[extfarm] published " + packed.address().path());
                publishImage(outcome.bundleFile().orElseThrow(), packed, log);
                shipper.flush();
                result = result.succeeded(new BundleRef(packed.manifest().name(), packed.sha256()));
            } else {
                result = fail(result, outcome.failure().get());
            }
            registry.complete(job, result);
            Log.infof("job %d %s: %s", job.id(), job.extension() + "/pg" + job.pgMajor(), result.status());
        } catch (RegistryClient.LeaseLostException e) {
            Log.warnf("job %d: lease lost (%s); another worker owns it now", job.id(), e.getMessage());
        } catch (IOException e) {
            Log.errorf("job %d: could not report to the registry: %s", job.id(), e.getMessage());
        } finally {
            beat.shutdownNow();
        }
    }

    /** The bundle's OCI image (dev.extfarm.worker.oci); a failure here is logged only: the registry's backfill creates it. */
    private void publishImage(Path bundle, BundleWriter.Packed packed, BuildLog log) {
        if (images == null) {
            return;
        }
        try {
            images.publish(bundle, packed, line -> log.accept("##[extfarm] " + line));
        } catch (Exception e) {
            log.accept("##[extfarm] the image push failed (the registry's backfill will create the image): " + e.getMessage());
        }
    }

    /**
     * Why an upload failed, for the report. The registry refusing the bytes the recipe's build made
     * is the recipe's failure, not the farm's (a farm fault is retried, and would fail again): a
     * name another extension or PostgreSQL owns ({@code name-conflict}), a bundle its rules refuse
     * ({@code bundle-rejected}), one over its size limit ({@code bundle-too-large}). Anything else
     * (the registry unreachable, a 5xx) is the farm's.
     */
    static BuildFailure publishFailure(IOException e) {
        if (e instanceof RegistryClient.UploadRefusedException r) {
            String cause = switch (r.problem()) {
                case "extension-name-owned", "extension-name-reserved" -> "name-conflict";
                case "bundle-too-large" -> "bundle-too-large";
                default -> "bundle-rejected";
            };
            return new BuildFailure(Step.PUBLISH, cause, BuildFailure.Responsibility.RECIPE, 0,
                    "the registry refused the bundle (" + r.problem() + "): " + r.detail());
        }
        return new BuildFailure(Step.PUBLISH, "upload-failed", BuildFailure.Responsibility.FARM, 0, e.getMessage());
    }

    /**
     * Why a source could not be had, for the report. {@code source-unavailable} (unreachable, 404,
     * in no mirror) is the farm's to fix (its network, its source mirrors) and is retried like any
     * farm fault; an egress refusal ({@code source-address-forbidden}, {@code source-url-scheme}, ...),
     * a checksum mismatch or a bad archive is the recipe's.
     */
    static BuildFailure sourceFailure(SourceException e) {
        boolean checksum = e.reason() == SourceException.Reason.CHECKSUM_MISMATCH;
        return new BuildFailure(checksum ? Step.VERIFY_SOURCE : Step.FETCH, e.reason().code(),
                e.reason().isRecipes() ? BuildFailure.Responsibility.RECIPE : BuildFailure.Responsibility.FARM, 0, e.getMessage());
    }

    /**
     * regression.diffs to the registry before the completion that names its size. A refusal or a
     * registry that cannot take it now loses the diffs, never the build's result: the report then
     * says 0 bytes kept. A lost lease stops the job as anywhere else.
     */
    private boolean uploadDiffs(ClaimedJob job, RegressionReport r, BuildLog log)
            throws RegistryClient.LeaseLostException, InterruptedException {
        if (r.diffs().isEmpty()) {
            return false;
        }
        try {
            registry.uploadArtifact(job, "regression.diffs", r.diffs().get());
            log.accept("##[extfarm] regression.diffs kept with the build (" + r.diffsBytes() + " bytes)");
            return true;
        } catch (RegistryClient.LeaseLostException e) {
            throw e;
        } catch (IOException e) {
            log.accept("##[extfarm] regression.diffs could not be kept: " + e.getMessage());
            return false;
        }
    }

    /** The regression suite's report in the completion (docs/queue.md): counts, failing tests, known failures. */
    static RegressReport regress(RegressionReport r) {
        return new RegressReport(r.run(), r.passed(), r.failed(), r.ignored(), r.failedTests(), r.knownFailures(),
                r.staleKnownFailures(), r.diffsBytes(), r.diffsTruncated());
    }

    /** The completion for a failed build: {@code failed}, or {@code farm-fault} (re-queued) when the farm is to blame. */
    private static CompleteRequest fail(CompleteRequest result, BuildFailure f) {
        FailureReport why = new FailureReport(f.step().id(), f.cause(), f.responsibility().id(), f.exitCode(),
                reportable(f.message()), f.waitingFor().isEmpty() ? null : f.waitingFor());
        return f.isFarmFault() ? result.farmFault(why) : result.failed(why);
    }

    /** A message that may quote the build's output, without the NUL the registry refuses (400 invalid-text). */
    static String reportable(String message) {
        return message == null ? null : message.replace('\0', '\uFFFD');
    }

    private BuildOutcome build(ClaimedJob job, BuildImages images, Path work, BuildLog log) throws InterruptedException {
        log.enter(Step.FETCH);
        Recipe recipe;
        RecipeBundle bundle;
        try {
            bundle = RecipeTransport.fromJson(job.recipe());
            // validated for the job's major alone: its variant's version and source, whatever majors this farm serves
            recipe = RecipeParser.parse(bundle, job.extension(), new ValidationOptions(List.of(job.pgMajor())))
                    .forMajor(job.pgMajor());
        } catch (InvalidRecipeException e) {
            // a revision stored before a rule existed (a file: source URL) fails with that rule as its cause
            return failed(log, new BuildFailure(Step.FETCH, commonRule(e.problems()).orElse("invalid-recipe"),
                    BuildFailure.Responsibility.RECIPE, 0, "the recipe revision does not parse here: " + e.getMessage()));
        } catch (Exception e) {
            return failed(log, new BuildFailure(Step.FETCH, "invalid-recipe", BuildFailure.Responsibility.RECIPE, 0,
                    "the recipe revision does not parse here: " + e.getMessage()));
        }
        Path source;
        try {
            source = sources.fetch(recipe.source(), bundle); // source.bundled: the bytes came with the recipe
        } catch (SourceException e) {
            return failed(log, sourceFailure(e));
        } catch (IOException e) {
            return failed(log, new BuildFailure(Step.FETCH, "source-unavailable", BuildFailure.Responsibility.FARM, 0, e.getMessage()));
        }
        long epoch;
        try {
            epoch = SourceDateEpoch.of(recipe, source);
        } catch (SourceException | IOException e) {
            return failed(log, new BuildFailure(Step.VERIFY_SOURCE, "bad-source-archive", BuildFailure.Responsibility.RECIPE, 0,
                    String.valueOf(e.getMessage())));
        }
        List<Map.Entry<String, byte[]>> patches = new ArrayList<>();
        for (String name : recipe.build().patches()) {
            patches.add(Map.entry(name, bundle.patch(name)));
        }
        String sourceSha256;
        try {
            // a git source is pinned by its commit; the bundle records the exported archive's own sha-256
            sourceSha256 = recipe.source() instanceof Recipe.GitSource ? Digests.sha256(source) : recipe.source().sha256();
        } catch (IOException e) {
            return failed(log, new BuildFailure(Step.FETCH, "worker-io-error", BuildFailure.Responsibility.FARM, 0, e.getMessage()));
        }
        if (recipe.source() instanceof Recipe.GitSource g) {
            log.accept("##[extfarm] git " + g.url() + " commit " + g.commit() + g.tag().map(t -> " (tag " + t + ")").orElse("")
                    + " exported as an archive with sha-256 " + sourceSha256);
        }
        BuildJob buildJob = BuildJob.of(recipe, job.pgMajor(), source, sourceSha256, patches, job.recipeRevision(), epoch);
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            return failed(log, new BuildFailure(Step.FETCH, "worker-io-error", BuildFailure.Responsibility.FARM, 0, e.getMessage()));
        }
        if (job.verify() != null) {
            log.accept("##[extfarm] reproducibility rebuild of build " + job.verify().buildId() + " (bundle "
                    + job.verify().sha256() + "), from scratch in " + BuildPipeline.REBUILD_SOURCE_DIR);
        }
        return pipeline.run(buildJob, images, work, log, new RegistryDependencies(registry, job),
                job.verify() == null ? BuildPipeline.SOURCE_DIR : BuildPipeline.REBUILD_SOURCE_DIR);
    }

    /** The rule all errors share (e.g. {@code source-url-scheme}), if they do. */
    static Optional<String> commonRule(List<RecipeProblem> problems) {
        List<String> rules = problems.stream().filter(RecipeProblem::isError).map(RecipeProblem::rule).distinct().toList();
        return rules.size() == 1 && !rules.get(0).isEmpty() ? Optional.of(rules.get(0)) : Optional.empty();
    }

    private static BuildOutcome failed(BuildLog log, BuildFailure f) {
        log.accept("##[extfarm] build failed at " + f.step().id() + ": " + f.cause() + ": " + f.message());
        log.close();
        return new BuildOutcome(Optional.empty(), Optional.empty(), Optional.of(f), log.timings());
    }
}
