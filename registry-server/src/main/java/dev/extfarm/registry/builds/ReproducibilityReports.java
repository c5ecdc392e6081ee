package dev.extfarm.registry.builds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.protocol.WorkerProtocol;
import dev.extfarm.protocol.WorkerProtocol.Difference;
import dev.extfarm.protocol.WorkerProtocol.ReproducibilityReport;
import dev.extfarm.protocol.WorkerProtocol.Side;
import dev.extfarm.registry.builds.Reproducibility.TargetRate;
import dev.extfarm.registry.builds.Reproducibility.Verdict;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The registry's side of verified reproducibility: what a claimed rebuild is compared with, the
 * worker's report checked and stored ({@code build_reproducibility}), and the verdicts and rates
 * the API shows. A report is bounded: at most {@link #MAX_DIFFERENCES} entries (the worker sends
 * the total apart), each with bounded names; anything else is {@code invalid-result}.
 */
@ApplicationScoped
public class ReproducibilityReports {

    /** Differing entries kept per verdict; {@code differences_total} counts them all. */
    public static final int MAX_DIFFERENCES = 100;
    static final int MAX_SECTIONS = 64;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** An entry path of the bundle layout, or {@code bundle.tar} for a difference in the archive itself. */
    private static final Pattern PATH = Pattern.compile("[\\x21-\\x7e][\\x20-\\x7e]{0,1023}");
    private static final Pattern SECTION = Pattern.compile("[\\x21-\\x7e]{1,128}");

    @Inject
    EntityManager em;
    @Inject
    ObjectMapper json;

    /** For a reproducibility job: the published bundle it is compared with; null for any other job. */
    WorkerProtocol.Verify verifyOrder(Build b) {
        if (b.verifies == null) {
            return null;
        }
        Build published = em.find(Build.class, b.verifies);
        return new WorkerProtocol.Verify(published.id, published.bundleSha256,
                "extensions/" + published.extensionName + "/sha-256+" + published.bundleSha256 + "/bundle.tar");
    }

    /** Checks and stores the report of reproducibility job {@code b}; returns the verdict in words. */
    String record(Build b, ReproducibilityReport r) {
        Build published = em.find(Build.class, b.verifies);
        if (r == null || r.publishedSha256() == null || r.reproducible() == null) {
            throw invalid("a reproducibility rebuild reports its comparison: \"reproducibility\": {\"published_sha256\": \""
                    + published.bundleSha256 + "\", \"rebuilt_sha256\": \"<hex>\", \"reproducible\": false, "
                    + "\"differences_total\": 1, \"differences\": [...]}; it uploads no bundle");
        }
        if (!r.publishedSha256().equals(published.bundleSha256)) {
            throw invalid("job " + b.id + " compares with bundle " + published.bundleSha256 + " (build " + published.id
                    + "), not " + r.publishedSha256());
        }
        if (r.rebuiltSha256() == null || !SHA256.matcher(r.rebuiltSha256()).matches()) {
            throw invalid("rebuilt_sha256 must be the rebuilt bundle's sha-256 (64 lowercase hex)");
        }
        boolean same = r.rebuiltSha256().equals(r.publishedSha256());
        List<Difference> differences = r.differences() == null ? List.of() : r.differences();
        int total = r.differencesTotal() == null ? differences.size() : r.differencesTotal();
        if (r.reproducible() != same) {
            throw invalid("reproducible is " + r.reproducible() + " but the rebuilt bundle's sha-256 is "
                    + (same ? "" : "not ") + "the published one's");
        }
        if (same && (!differences.isEmpty() || total != 0)) {
            throw invalid("a reproducible rebuild has no differing entries");
        }
        if (!same && (differences.isEmpty() || total < differences.size())) {
            throw invalid("a rebuild that is not reproducible lists its differing entries (at least one; "
                    + "\"bundle.tar\" when only the archive differs) and differences_total >= their number");
        }
        if (differences.size() > MAX_DIFFERENCES) {
            throw invalid("list at most " + MAX_DIFFERENCES + " differing entries and the whole count in differences_total (got "
                    + differences.size() + ")");
        }
        differences.forEach(ReproducibilityReports::check);
        TreeSet<String> causes = new TreeSet<>();
        differences.forEach(d -> causes.add(d.cause()));
        String differencesJson;
        try {
            differencesJson = json.writeValueAsString(differences);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        em.createNativeQuery("INSERT INTO build_reproducibility (build_id, verifies, extension_name, pg_major, platform, "
                        + "published_sha256, rebuilt_sha256, reproducible, causes, differences, differences_total) "
                        + "VALUES (:b, :v, :e, :m, :p, :ps, :rs, :r, cast(:c AS text[]), cast(:d AS jsonb), :t)")
                .setParameter("b", b.id).setParameter("v", published.id).setParameter("e", b.extensionName)
                .setParameter("m", b.pgMajor).setParameter("p", b.platform).setParameter("ps", r.publishedSha256())
                .setParameter("rs", r.rebuiltSha256()).setParameter("r", same)
                .setParameter("c", "{" + String.join(",", causes) + "}").setParameter("d", differencesJson)
                .setParameter("t", total).executeUpdate();
        return same ? "reproducible: the rebuild made bundle " + r.rebuiltSha256() + " again"
                : "not reproducible: " + total + " differing entries (" + String.join(", ", causes) + ")";
    }

    private static void check(Difference d) {
        if (d == null || d.path() == null || !PATH.matcher(d.path()).matches()) {
            throw invalid("each difference names its entry path (printable ASCII, at most 1024 characters)");
        }
        if (d.cause() == null || !Reproducibility.CAUSES.contains(d.cause())) {
            throw invalid(d.path() + ": cause must be one of " + Reproducibility.CAUSES);
        }
        if (d.published() == null && d.rebuilt() == null) {
            throw invalid(d.path() + ": a differing entry exists on one side at least");
        }
        check(d.path(), d.published());
        check(d.path(), d.rebuilt());
        if (d.elfSections() != null && (d.elfSections().size() > MAX_SECTIONS
                || d.elfSections().stream().anyMatch(s -> s == null || !SECTION.matcher(s).matches()))) {
            throw invalid(d.path() + ": elf_sections lists at most " + MAX_SECTIONS + " section names (printable, 1-128 characters)");
        }
    }

    private static void check(String path, Side s) {
        if (s == null) {
            return;
        }
        if (s.type() == null || !List.of("file", "symlink", "directory").contains(s.type())) {
            throw invalid(path + ": type must be file, symlink or directory");
        }
        if (s.size() != null && s.size() < 0 || s.sha256() != null && !SHA256.matcher(s.sha256()).matches()
                || s.target() != null && !PATH.matcher(s.target()).matches()) {
            throw invalid(path + ": size >= 0, sha256 64 lowercase hex, target printable (at most 1024 characters)");
        }
    }

    private static ExtfarmException invalid(String message) {
        return ExtfarmException.invalid("invalid-result", message);
    }

    /** The newest verdict on build {@code id} (a published build, or a reproducibility job itself). */
    public Optional<Verdict> forBuild(long id) {
        return verdicts("(v.verifies = :id OR v.id = :id)", Map.of("id", id), 1).stream().findFirst();
    }

    /** The rates per target and the newest verdict per verified build of an extension, newest first. */
    public Reproducibility.ExtensionReproducibility forExtension(String extension) {
        List<Verdict> all = verdicts("v.extension_name = :e", Map.of("e", extension), 1000);
        Map<String, int[]> counts = new LinkedHashMap<>();
        Map<String, Verdict> first = new LinkedHashMap<>();
        for (Verdict v : all) {
            String key = v.pgMajor() + "\t" + v.platform();
            first.putIfAbsent(key, v);
            int[] c = counts.computeIfAbsent(key, k -> new int[4]);
            switch (v.status()) {
                case "reproducible" -> c[0]++;
                case "not-reproducible" -> c[1]++;
                case "rebuild-failed" -> c[2]++;
                case "pending" -> c[3]++;
                default -> { } // not verified (farm error, cancelled): no verdict either way
            }
        }
        List<TargetRate> rates = new ArrayList<>();
        counts.forEach((key, c) -> {
            int decided = c[0] + c[1] + c[2];
            Verdict v = first.get(key);
            rates.add(new TargetRate(v.pgMajor(), v.platform(), c[0], c[1], c[2], c[3], decided == 0 ? null : (double) c[0] / decided));
        });
        rates.sort((a, b) -> a.pgMajor() != b.pgMajor() ? Integer.compare(a.pgMajor(), b.pgMajor()) : a.platform().compareTo(b.platform()));
        return new Reproducibility.ExtensionReproducibility(extension, rates, all);
    }

    private List<Verdict> verdicts(String where, Map<String, Object> params, int limit) {
        var q = em.createNativeQuery("SELECT v.id, v.verifies, v.extension_name, v.version, v.pg_major, v.platform, v.status, "
                + "p.bundle_sha256, r.rebuilt_sha256, r.reproducible, array_to_string(r.causes, ','), r.differences_total, "
                + "cast(r.differences AS text), v.worker_id, p.worker_id, r.recorded_at "
                + "FROM build v JOIN build p ON p.id = v.verifies LEFT JOIN build_reproducibility r ON r.build_id = v.id "
                + "WHERE v.reason = 'reproducibility' AND " + where + " ORDER BY v.id DESC LIMIT " + limit);
        params.forEach(q::setParameter);
        @SuppressWarnings("unchecked")
        List<Object[]> rows = q.getResultList();
        List<Verdict> out = new ArrayList<>();
        for (Object[] r : rows) {
            String buildStatus = (String) r[6];
            String status = r[9] != null ? ((Boolean) r[9] ? "reproducible" : "not-reproducible")
                    : switch (buildStatus) {
                        case "queued", "running" -> "pending";
                        case "failed" -> "rebuild-failed";
                        default -> "not-verified";
                    };
            String causes = (String) r[10];
            out.add(new Verdict(((Number) r[0]).longValue(), ((Number) r[1]).longValue(), (String) r[2], (String) r[3],
                    ((Number) r[4]).intValue(), (String) r[5], status, (String) r[7], (String) r[8],
                    causes == null ? null : causes.isEmpty() ? List.of() : List.of(causes.split(",")),
                    r[11] == null ? null : ((Number) r[11]).intValue(), differences((String) r[12]), (String) r[13], (String) r[14],
                    BuildReports.instant(r[15]), "/api/v1/builds/" + r[0]));
        }
        return out;
    }

    private List<Difference> differences(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readValue(text, new TypeReference<List<Difference>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isVerification(Build b) {
        return Objects.equals(b.reason, Reproducibility.REASON);
    }
}
