package dev.extfarm.registry.builds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.protocol.WorkerProtocol.ClaimedJob;
import dev.extfarm.protocol.WorkerProtocol.CompleteRequest;
import dev.extfarm.protocol.WorkerProtocol.CompleteResponse;
import dev.extfarm.protocol.WorkerProtocol.FailureReport;
import dev.extfarm.protocol.WorkerProtocol.HeartbeatResponse;
import dev.extfarm.protocol.WorkerProtocol.Target;
import dev.extfarm.protocol.WorkerProtocol;
import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The queue's state machine on the worker's side: claim (with the build cache), heartbeat, log,
 * complete. Rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so any number of workers and
 * registry replicas share the queue; every later call is fenced by {@link LeaseFence}.
 */
@ApplicationScoped
public class JobQueue {

    static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    static final Pattern BUILDER_IMAGE = Pattern.compile("sha256:[0-9a-f]{64}");
    static final Pattern STEP = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    static final Pattern CAUSE = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    /** Cache hits resolved in one claim before it returns (so a claim stays short). */
    static final int MAX_CACHE_HITS_PER_CLAIM = 100;

    @Inject
    RegressReports regress;
    @Inject
    EntityManager em;
    @Inject
    QueueConfig config;
    @Inject
    LeaseFence fence;
    @Inject
    BuildLogs logs;
    @Inject
    Event<BuildFinished> finished;
    @Inject
    ObjectMapper json;
    @Inject
    CurrentViewer viewer;
    @Inject
    ReproducibilityReports reproducibility;

    @Transactional
    public List<ClaimedJob> claim(WorkerProtocol.ClaimRequest request) {
        String workerId = request == null ? null : request.workerId();
        if (workerId == null || !WORKER_ID.matcher(workerId).matches()) {
            throw ExtfarmException.invalid("invalid-claim", "worker_id must match " + WORKER_ID.pattern() + ", e.g. \"build-01-4711\"");
        }
        List<Target> targets = request.targets() == null ? List.of() : request.targets();
        if (targets.isEmpty() || targets.size() > 32) {
            throw ExtfarmException.invalid("invalid-claim", "list 1..32 targets the worker can build for: "
                    + "[{\"pg_major\": 17, \"platform\": \"debian-13-amd64-glibc\", \"builder_image\": \"sha256:...\"}]");
        }
        for (Target t : targets) {
            if (t == null || t.pgMajor() == null || t.platform() == null || t.platform().isBlank()
                    || t.builderImage() == null || !BUILDER_IMAGE.matcher(t.builderImage()).matches()) {
                throw ExtfarmException.invalid("invalid-claim", "each target needs pg_major, platform and builder_image "
                        + "(sha256:<64 lowercase hex>, the digest of the builder image's package list); got " + t);
            }
        }
        int max = request.maxJobs() == null ? 1 : request.maxJobs();
        if (max < 1 || max > config.maxJobsPerClaim()) {
            throw ExtfarmException.invalid("invalid-claim", "max_jobs must be 1.." + config.maxJobsPerClaim()
                    + " (extfarm.queue.max-jobs-per-claim)");
        }
        OffsetDateTime now = DbClock.now(em);
        List<ClaimedJob> jobs = new ArrayList<>();
        int cacheHits = 0;
        while (jobs.size() < max && cacheHits < MAX_CACHE_HITS_PER_CLAIM) {
            Optional<Long> next = nextQueued(targets, workerId);
            if (next.isEmpty()) {
                break;
            }
            Build b = em.find(Build.class, next.get());
            Target target = targets.stream().filter(t -> t.pgMajor() == b.pgMajor && t.platform().equals(b.platform))
                    .findFirst().orElseThrow();
            Optional<Object[]> hit = b.bypassCache ? Optional.empty() : cacheHit(b, target.builderImage());
            if (hit.isPresent()) {
                completeFromCache(b, target.builderImage(), ((Number) hit.get()[0]).longValue(), (String) hit.get()[1], now);
                cacheHits++;
            } else {
                jobs.add(lease(b, workerId, target.builderImage(), now));
            }
            em.flush();
        }
        return jobs;
    }

    /**
     * The oldest queued job of these targets, low-priority jobs (reproducibility rebuilds) only when
     * no other is queued. A reproducibility rebuild is not given to the worker process that built
     * the bundle it verifies until it has waited {@link Reproducibility#OTHER_WORKER_WAIT} for
     * another one (a farm with a single worker still verifies, later).
     */
    private Optional<Long> nextQueued(List<Target> targets, String workerId) {
        StringBuilder sql = new StringBuilder("SELECT id FROM build b WHERE status = 'queued' AND (");
        for (int i = 0; i < targets.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(pg_major = :m").append(i).append(" AND platform = :p").append(i).append(')');
        }
        sql.append(") AND NOT (b.verifies IS NOT NULL AND b.queued_at > now() - make_interval(secs => :wait) AND EXISTS "
                + "(SELECT 1 FROM build o WHERE o.id = b.verifies AND o.worker_id = :w))");
        sql.append(" ORDER BY low_priority, id LIMIT 1 FOR UPDATE SKIP LOCKED");
        var q = em.createNativeQuery(sql.toString());
        q.setParameter("w", workerId).setParameter("wait", (double) Reproducibility.OTHER_WORKER_WAIT.toSeconds());
        for (int i = 0; i < targets.size(); i++) {
            q.setParameter("m" + i, targets.get(i).pgMajor()).setParameter("p" + i, targets.get(i).platform());
        }
        @SuppressWarnings("unchecked")
        List<Number> ids = q.getResultList();
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(0).longValue());
    }

    /** The newest succeeded build with exactly these inputs: {id, bundle sha-256}. */
    private Optional<Object[]> cacheHit(Build b, String builderImage) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT id, bundle_sha256 FROM build WHERE status = 'succeeded' "
                        + "AND recipe_revision = :r AND source_sha256 = :s AND builder_image = :i AND pg_major = :m "
                        + "AND platform = :p AND meta_format = :f AND bundle_sha256 IS NOT NULL ORDER BY id DESC LIMIT 1")
                .setParameter("r", b.recipeRevision).setParameter("s", b.sourceSha256).setParameter("i", builderImage)
                .setParameter("m", b.pgMajor).setParameter("p", b.platform).setParameter("f", b.metaFormat).getResultList();
        return rows.stream().findFirst();
    }

    private void completeFromCache(Build b, String builderImage, long from, String bundle, OffsetDateTime now) {
        b.status = BuildStatus.CACHED.id();
        b.builderImage = builderImage;
        b.cachedFrom = from;
        b.bundleSha256 = bundle;
        b.startedAt = now;
        b.finishedAt = now;
        logs.note(b, "the same inputs (recipe revision, source, builder image " + builderImage + ", PostgreSQL " + b.pgMajor
                + ", " + b.platform + ", bundle format " + b.metaFormat + ") were built by build " + from
                + ": its bundle is reused, nothing was built");
        finished.fire(new BuildFinished(b.id, b.extensionName, b.pgMajor, BuildStatus.CACHED));
    }

    private ClaimedJob lease(Build b, String workerId, String builderImage, OffsetDateTime now) {
        b.status = BuildStatus.RUNNING.id();
        b.attempt++;
        b.leaseToken++;
        b.leaseExpiresAt = now.plus(config.leaseTtl());
        b.workerId = workerId;
        b.claimedBy = viewer.get().tokenId();
        b.builderImage = builderImage;
        b.currentStep = null;
        if (b.startedAt == null) {
            b.startedAt = now;
        }
        if (b.attempt > 1) {
            logs.note(b, "attempt " + b.attempt + " of " + config.maxAttempts() + ": claimed by " + workerId + " (lease " + b.leaseToken + ")");
        }
        em.createNativeQuery("INSERT INTO build_attempt (build_id, attempt, lease_token, worker_id, builder_image, claimed_at) "
                        + "VALUES (:b, :a, :t, :w, :i, :c)")
                .setParameter("b", b.id).setParameter("a", b.attempt).setParameter("t", b.leaseToken).setParameter("w", workerId)
                .setParameter("i", builderImage).setParameter("c", now).executeUpdate();
        String recipe = (String) em.createNativeQuery("SELECT transport FROM recipe_revision WHERE digest = :d")
                .setParameter("d", b.recipeRevision).getSingleResult();
        return new ClaimedJob(b.id, b.leaseToken, b.leaseExpiresAt.toInstant(), config.leaseTtl().toSeconds(), b.attempt,
                b.extensionName, b.version, b.pgMajor, b.platform, b.recipeRevision, recipe, b.sourceSha256,
                reproducibility.verifyOrder(b));
    }

    @Transactional
    public HeartbeatResponse heartbeat(long jobId, Long leaseToken, String step) {
        Build b = fence.lock(jobId);
        if (leaseToken != null && leaseToken == b.leaseToken && b.status() == BuildStatus.CANCELLED) {
            return new HeartbeatResponse(null, true);
        }
        fence.check(b, leaseToken);
        if (step != null && STEP.matcher(step).matches()) {
            b.currentStep = step;
        }
        b.leaseExpiresAt = DbClock.now(em).plus(config.leaseTtl());
        return new HeartbeatResponse(b.leaseExpiresAt.toInstant(), false);
    }

    @Transactional
    public long appendLog(long jobId, Long leaseToken, byte[] chunk) {
        Build b = fence.check(jobId, leaseToken);
        logs.append(b, chunk);
        return b.logSize;
    }

    @Transactional
    public CompleteResponse complete(long jobId, CompleteRequest r) {
        if (r == null || r.status() == null) {
            throw ExtfarmException.invalid("invalid-result", "status is required: succeeded, failed or farm-fault");
        }
        Build b = fence.lock(jobId);
        Optional<CompleteResponse> repeated = repeatedCompletion(b, r);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        fence.check(b, r.leaseToken());
        if (r.builderImage() != null && !r.builderImage().equals(b.builderImage)) {
            throw ExtfarmException.invalid("invalid-result", "builder_image " + r.builderImage() + " is not the one job " + b.id
                    + " was claimed with (" + b.builderImage + "); a worker must build with the image it claimed for");
        }
        OffsetDateTime now = DbClock.now(em);
        b.steps = stepsJson(r.steps());
        regress.record(b, r.regress());
        b.workerStartedAt = r.startedAt() == null ? null : r.startedAt().atOffset(now.getOffset());
        b.workerFinishedAt = r.finishedAt() == null ? null : r.finishedAt().atOffset(now.getOffset());
        FailureReport f = r.failure();
        return switch (r.status()) {
            case "succeeded" -> succeed(b, r, now);
            case "failed" -> f != null && DependencyWaits.CAUSE.equals(f.cause()) ? waitForDependencies(b, f, now)
                    : f != null && "farm".equals(f.responsibility()) ? farmFault(b, f, now) : fail(b, f, now);
            case "farm-fault" -> farmFault(b, f, now);
            default -> throw ExtfarmException.invalid("invalid-result", "status '" + r.status()
                    + "' is not one of succeeded, failed, farm-fault");
        };
    }

    /** The same completion sent again (e.g. after a lost response) is answered as the first time. */
    private Optional<CompleteResponse> repeatedCompletion(Build b, CompleteRequest r) {
        if (r.leaseToken() == null) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<String> outcomes = em.createNativeQuery("SELECT outcome FROM build_attempt WHERE build_id = :b AND lease_token = :t "
                + "AND outcome IS NOT NULL").setParameter("b", b.id).setParameter("t", r.leaseToken()).getResultList();
        String wanted = "failed".equals(r.status()) && r.failure() != null && "farm".equals(r.failure().responsibility())
                ? "farm-fault" : r.status();
        if (outcomes.isEmpty() || !outcomes.get(0).equals(wanted)) {
            return Optional.empty();
        }
        return Optional.of(new CompleteResponse(b.id, b.status, !b.status().isFinal(), "already recorded"));
    }

    private CompleteResponse succeed(Build b, CompleteRequest r, OffsetDateTime now) {
        if (b.verifies != null) {
            // a reproducibility rebuild publishes nothing: it reports how its bundle compares with the published one
            String verdict = reproducibility.record(b, r.reproducibility());
            endAttempt(b, "succeeded", null, null, now);
            finish(b, BuildStatus.SUCCEEDED, now);
            return new CompleteResponse(b.id, b.status, false, "recorded: " + verdict);
        }
        if (r.bundle() == null || r.bundle().sha256() == null) {
            throw ExtfarmException.invalid("invalid-result", "a succeeded build names its bundle: \"bundle\": {\"name\": \""
                    + b.extensionName + "\", \"sha256\": \"<hex>\"}");
        }
        String sha = r.bundle().sha256();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT extension_name, version, pg_major, platform, "
                + "manifest -> 'build' ->> 'recipe_revision' FROM bundle WHERE sha256 = :s").setParameter("s", sha).getResultList();
        if (rows.isEmpty()) {
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, "bundle-not-uploaded", "Bundle not uploaded",
                    "the registry has no bundle sha-256 " + sha + "; upload it first (PUT /extensions/" + b.extensionName
                            + "/sha-256+" + sha + "/bundle.tar with the job's X-Extfarm-Job and X-Extfarm-Lease-Token headers), "
                            + "then complete the job");
        }
        Object[] row = rows.get(0);
        String revision = row[4] == null ? null : ((String) row[4]).replaceFirst("^sha-256\\+", "");
        List<String> mismatches = new ArrayList<>();
        check(mismatches, "name", b.extensionName, row[0]);
        check(mismatches, "name", b.extensionName, r.bundle().name() == null ? b.extensionName : r.bundle().name());
        check(mismatches, "version", b.version, row[1]);
        check(mismatches, "pg_major", b.pgMajor, ((Number) row[2]).intValue());
        check(mismatches, "platform", b.platform, row[3]);
        if (revision != null) {
            check(mismatches, "recipe revision", b.recipeRevision, revision);
        }
        if (!mismatches.isEmpty()) {
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, "bundle-mismatch", "Bundle does not match the job",
                    "bundle " + sha + " is not a result of job " + b.id + ": " + String.join("; ", mismatches));
        }
        b.bundleSha256 = sha;
        endAttempt(b, "succeeded", null, null, now);
        finish(b, BuildStatus.SUCCEEDED, now);
        return new CompleteResponse(b.id, b.status, false, "recorded: " + b.extensionName + " for PostgreSQL " + b.pgMajor
                + " is extensions/" + b.extensionName + "/sha-256+" + sha + "/bundle.tar");
    }

    private static void check(List<String> mismatches, String what, Object expected, Object actual) {
        if (!String.valueOf(expected).equals(String.valueOf(actual))) {
            mismatches.add(what + " is " + actual + ", the job's is " + expected);
        }
    }

    private CompleteResponse fail(Build b, FailureReport f, OffsetDateTime now) {
        if (f == null || f.step() == null || !STEP.matcher(f.step()).matches() || f.cause() == null
                || !CAUSE.matcher(f.cause()).matches()) {
            throw ExtfarmException.invalid("invalid-result", "a failed build says where and why: \"failure\": {\"step\": \"patch\", "
                    + "\"cause\": \"patch-rejected\", \"responsibility\": \"recipe\", \"exit_code\": 1, \"message\": \"...\"}");
        }
        String who = f.responsibility() == null ? "upstream" : f.responsibility();
        if (!who.equals("upstream") && !who.equals("recipe")) {
            throw ExtfarmException.invalid("invalid-result", "responsibility must be upstream, recipe or farm; got '" + who + "'");
        }
        b.failureStep = f.step();
        b.failureCause = f.cause();
        b.failureResponsibility = who;
        b.failureExitCode = f.exitCode();
        b.failureMessage = truncate(f.message(), 4000);
        endAttempt(b, "failed", f.cause(), f.message(), now);
        finish(b, BuildStatus.FAILED, now);
        return new CompleteResponse(b.id, b.status, false, "recorded: failed at " + f.step() + " (" + f.cause() + ")");
    }

    /**
     * The bundle requires extensions the farm builds but has not published for this target yet: the
     * build ends as failed (the farm's responsibility, not the recipe's), and {@link DependencyWaits}
     * queues its revision again once one of them is published.
     */
    private CompleteResponse waitForDependencies(Build b, FailureReport f, OffsetDateTime now) {
        List<String> waitingFor = f.waitingFor() == null ? List.of() : f.waitingFor().stream()
                .filter(n -> n != null && CAUSE.matcher(n).matches()).distinct().limit(BuildDependencies.MAX_BUNDLES).toList();
        if (waitingFor.isEmpty() || f.step() == null || !STEP.matcher(f.step()).matches()) {
            throw ExtfarmException.invalid("invalid-result", "a build failed with dependency-unavailable names the step and the "
                    + "extensions it waits for: \"failure\": {\"step\": \"smoke-test\", \"cause\": \"dependency-unavailable\", "
                    + "\"responsibility\": \"farm\", \"waiting_for\": [\"semver\"], \"message\": \"...\"}");
        }
        b.failureStep = f.step();
        b.failureCause = f.cause();
        b.failureResponsibility = "farm";
        b.failureExitCode = f.exitCode();
        b.failureMessage = truncate(f.message(), 4000);
        for (String name : waitingFor) {
            em.createNativeQuery("INSERT INTO build_dependency_wait (build_id, extension_name) VALUES (:b, :n) ON CONFLICT DO NOTHING")
                    .setParameter("b", b.id).setParameter("n", name).executeUpdate();
        }
        endAttempt(b, "failed", f.cause(), f.message(), now);
        logs.note(b, "waiting for " + String.join(", ", waitingFor) + " to be published for PostgreSQL " + b.pgMajor + " on "
                + b.platform + ": this build is queued again then");
        finish(b, BuildStatus.FAILED, now);
        return new CompleteResponse(b.id, b.status, false, "recorded: waiting for " + String.join(", ", waitingFor));
    }

    private CompleteResponse farmFault(Build b, FailureReport f, OffsetDateTime now) {
        String cause = f != null && f.cause() != null && CAUSE.matcher(f.cause()).matches() ? f.cause() : "farm-fault";
        String message = f == null ? null : f.message();
        b.farmFaults++;
        endAttempt(b, "farm-fault", cause, message, now);
        if (b.farmFaults >= config.maxFarmFaults() || b.attempt >= config.maxAttempts()) {
            giveUp(b, f == null ? b.currentStep : f.step(), cause, "the farm could not build it: " + b.farmFaults
                    + " farm fault(s) in " + b.attempt + " attempt(s); the last: " + cause + (message == null ? "" : ": " + message), now);
            return new CompleteResponse(b.id, b.status, false, "farm fault recorded; the bound is reached, the build ends as farm-error");
        }
        logs.note(b, "attempt " + b.attempt + " ended with a farm fault (" + cause + (message == null ? "" : ": " + message)
                + "); the job is queued again");
        requeue(b);
        return new CompleteResponse(b.id, b.status, true, "farm fault recorded; the job is queued again for another attempt");
    }

    /** Ends a build the farm could not finish: {@code farm-error}, responsibility farm. */
    void giveUp(Build b, String step, String cause, String message, OffsetDateTime now) {
        b.failureStep = step == null ? "claim" : step;
        b.failureCause = cause;
        b.failureResponsibility = "farm";
        b.failureExitCode = null;
        b.failureMessage = truncate(message, 4000);
        logs.note(b, message);
        finish(b, BuildStatus.FARM_ERROR, now);
    }

    void requeue(Build b) {
        b.status = BuildStatus.QUEUED.id();
        b.leaseExpiresAt = null;
        b.workerId = null;
        b.currentStep = null;
    }

    void endAttempt(Build b, String outcome, String cause, String message, OffsetDateTime now) {
        em.createNativeQuery("UPDATE build_attempt SET ended_at = :n, outcome = :o, cause = :c, message = :m "
                        + "WHERE build_id = :b AND lease_token = :t AND outcome IS NULL")
                .setParameter("n", now).setParameter("o", outcome).setParameter("c", cause)
                .setParameter("m", truncate(message, 4000)).setParameter("b", b.id).setParameter("t", b.leaseToken).executeUpdate();
    }

    void finish(Build b, BuildStatus status, OffsetDateTime now) {
        b.status = status.id();
        b.finishedAt = now;
        b.leaseExpiresAt = null;
        b.currentStep = null;
        finished.fire(new BuildFinished(b.id, b.extensionName, b.pgMajor, status));
    }

    private String stepsJson(List<WorkerProtocol.StepTiming> steps) {
        if (steps == null) {
            return null;
        }
        List<WorkerProtocol.StepTiming> valid = steps.stream()
                .filter(s -> s != null && s.step() != null && STEP.matcher(s.step()).matches() && s.millis() >= 0).limit(64).toList();
        try {
            return json.writeValueAsString(valid);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
