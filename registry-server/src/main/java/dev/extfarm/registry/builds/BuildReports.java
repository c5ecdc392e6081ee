package dev.extfarm.registry.builds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.catalog.BundleEntry;
import dev.extfarm.registry.catalog.Floors;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.problem.ExtfarmException;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Build reports for packagers: filtered listings and single builds, through the one visibility
 * rule ({@link Visibility}): builds of a private extension exist only for its tenant, its
 * maintainers and admins.
 */
@ApplicationScoped
public class BuildReports {

    public static final int MAX_PAGE_SIZE = 200;

    /** Listing filters, as given in the query string; all optional. */
    public record Filter(String extension, Integer pg, String status, String cause, String since, Integer page, Integer size) {
    }

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;
    @Inject
    BuildLogs logs;
    @Inject
    ObjectMapper json;
    @Inject
    RegressReports regress;

    @Transactional(Transactional.TxType.SUPPORTS)
    public BuildView.Page list(Viewer viewer, Filter f) {
        int page = f.page() == null ? 0 : f.page();
        int size = f.size() == null ? 50 : f.size();
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw ExtfarmException.invalid("invalid-filter", "page must be >= 0 and size 1.." + MAX_PAGE_SIZE);
        }
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        if (f.extension() != null && !f.extension().isBlank()) {
            where.add("extensionName = :extension");
            params.put("extension", f.extension().strip());
        }
        if (f.pg() != null) {
            where.add("pgMajor = :pg");
            params.put("pg", f.pg());
        }
        if (f.status() != null && !f.status().isBlank()) {
            List<String> statuses = Arrays.stream(f.status().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
            for (String s : statuses) {
                if (!BuildStatus.isKnown(s)) {
                    throw ExtfarmException.invalid("invalid-filter", "status '" + s + "' is not one of "
                            + Arrays.stream(BuildStatus.values()).map(BuildStatus::id).collect(Collectors.joining(", ")));
                }
            }
            where.add("status in :status");
            params.put("status", statuses);
        }
        if (f.cause() != null && !f.cause().isBlank()) {
            where.add("failureCause = :cause");
            params.put("cause", f.cause().strip());
        }
        if (f.since() != null && !f.since().isBlank()) {
            where.add("queuedAt >= :since");
            params.put("since", since(f.since().strip()));
        }
        Set<String> hidden = visibility.hiddenFrom(viewer);
        if (!hidden.isEmpty()) {
            where.add("extensionName not in :hidden");
            params.put("hidden", hidden);
        }
        var query = Build.<Build>find(String.join(" and ", where.isEmpty() ? List.of("1 = 1") : where), Sort.descending("id"), params);
        long total = query.count();
        List<Build> builds = query.page(Page.of(page, size)).list();
        Map<String, BundleEntry> bundles = bundles(builds);
        return new BuildView.Page(builds.stream().map(b -> view(b, bundles, false)).toList(), page, size, total);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<BuildView> get(Viewer viewer, long id) {
        return find(viewer, id).map(b -> view(b, bundles(List.of(b)), true));
    }

    /** The build, when this viewer may see it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Build> find(Viewer viewer, long id) {
        return Build.<Build>findByIdOptional(id).filter(b -> visibility.canSee(viewer, b.extensionName));
    }

    private static OffsetDateTime since(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text).atStartOfDay().atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw ExtfarmException.invalid("invalid-filter", "since must be a date (2026-11-23) or a timestamp "
                        + "(2026-11-23T10:00:00Z); got '" + text + "'");
            }
        }
    }

    private Map<String, BundleEntry> bundles(List<Build> builds) {
        List<String> shas = builds.stream().map(b -> b.bundleSha256).filter(s -> s != null).distinct().toList();
        if (shas.isEmpty()) {
            return Map.of();
        }
        return BundleEntry.<BundleEntry>list("sha256 in ?1", shas).stream().collect(Collectors.toMap(e -> e.sha256, Function.identity()));
    }

    BuildView view(Build b, Map<String, BundleEntry> bundles, boolean detail) {
        BuildStatus status = b.status();
        BuildView.Failure failure = b.failureCause == null ? null : new BuildView.Failure(b.failureStep, b.failureCause,
                b.failureResponsibility, b.failureExitCode, b.failureMessage);
        BuildView.Result result = null;
        if (b.bundleSha256 != null) {
            BundleEntry e = bundles.get(b.bundleSha256);
            result = new BuildView.Result(b.extensionName, b.bundleSha256, new BundleAddress(b.extensionName, b.bundleSha256).path(),
                    e == null ? null : e.size, e == null ? null : e.review().id(), e == null ? null : Floors.of(e.manifest));
        }
        Long duration = b.startedAt != null && b.finishedAt != null ? Duration.between(b.startedAt, b.finishedAt).toMillis() : null;
        boolean archived = b.logBlob != null;
        BuildView.Log log = new BuildView.Log("/api/v1/builds/" + b.id + "/log", b.logSize, archived);
        List<String> tail = null;
        List<BuildView.Attempt> attempts = null;
        BuildView.Previous previous = null;
        if (detail) {
            tail = archived ? (b.logTail == null || b.logTail.isEmpty() ? List.of() : List.of(b.logTail.split("\n", -1)))
                    : logs.liveTail(b.id, b.logSize);
            attempts = attempts(b.id);
            previous = previous(b);
        }
        return new BuildView(b.id, b.extensionName, b.version, b.pgMajor, b.platform, b.status, b.reason, b.recipeRevision,
                b.attempt, b.workerId, b.currentStep, instant(b.queuedAt), instant(b.startedAt), instant(b.finishedAt), duration,
                status == BuildStatus.RUNNING ? instant(b.leaseExpiresAt) : null, failure, result, b.cachedFrom,
                new BuildView.Inputs(b.recipeRevision, b.sourceSha256, b.builderImage, b.pgMajor, b.platform, b.metaFormat),
                steps(b.steps), log, tail, attempts, previous, regress.view(b));
    }

    private List<BuildView.StepTime> steps(String stepsJson) {
        if (stepsJson == null) {
            return List.of();
        }
        try {
            return json.readValue(stepsJson, new TypeReference<List<BuildView.StepTime>>() { });
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private List<BuildView.Attempt> attempts(long buildId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT attempt, worker_id, claimed_at, ended_at, outcome, cause, message "
                + "FROM build_attempt WHERE build_id = :b ORDER BY attempt").setParameter("b", buildId).getResultList();
        return rows.stream().map(r -> new BuildView.Attempt(((Number) r[0]).intValue(), (String) r[1], instant(r[2]), instant(r[3]),
                (String) r[4], (String) r[5], (String) r[6])).toList();
    }

    private BuildView.Previous previous(Build b) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT id, status, recipe_revision, version, finished_at FROM build "
                        + "WHERE extension_name = :e AND pg_major = :m AND id < :id AND reason <> 'reproducibility' ORDER BY id DESC LIMIT 1")
                .setParameter("e", b.extensionName).setParameter("m", b.pgMajor).setParameter("id", b.id).getResultList();
        return rows.stream().findFirst().map(r -> new BuildView.Previous(((Number) r[0]).longValue(), (String) r[1], (String) r[2],
                (String) r[3], instant(r[4]))).orElse(null);
    }

    static Instant instant(Object value) {
        return value == null ? null : DbClock.toOffsetDateTime(value).toInstant();
    }
}
