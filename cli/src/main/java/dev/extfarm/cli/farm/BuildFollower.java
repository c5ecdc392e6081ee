package dev.extfarm.cli.farm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/** Follows builds through the API: one line per finished build, then a table extension × PG major. */
final class BuildFollower {

    static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cached", "cancelled", "farm-error");

    private final ApiClient api;
    private final PrintWriter out;
    private final Set<String> sourceUnavailable = new TreeSet<>();

    BuildFollower(ApiClient api, PrintWriter out) {
        this.api = api;
        this.out = out;
    }

    void follow(List<Long> ids, Duration timeout) throws IOException, InterruptedException {
        follow(ids, timeout, Set::of);
    }

    /**
     * As above; a build still queued for a PostgreSQL major in {@code unbuildable} (its target's
     * images could not be built) is no longer waited for: nobody here will run it.
     */
    void follow(List<Long> ids, Duration timeout, Supplier<Set<Integer>> unbuildable)
            throws IOException, InterruptedException {
        Set<Long> pending = new LinkedHashSet<>(ids);
        Map<Long, String> lastStatus = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Set<Integer> noImages = unbuildable.get();
            for (Long id : new ArrayList<>(pending)) {
                JsonNode b = api.get("/api/v1/builds/" + id);
                String status = b.path("status").asText();
                if (status.equals("queued") && noImages.contains(b.path("pg_major").asInt())) {
                    pending.remove(id);
                    out.printf("  not run #%d %s pg%s: the images for PostgreSQL %s could not be built%n", id, b.path("extension").asText(),
                            b.path("pg_major").asText(), b.path("pg_major").asText());
                } else if (TERMINAL.contains(status)) {
                    pending.remove(id);
                    out.println("  " + line(b));
                } else if (!status.equals(lastStatus.put(id, status)) && status.equals("running")) {
                    out.printf("  … #%d %s pg%s running on %s%n", id, b.path("extension").asText(), b.path("pg_major").asText(),
                            b.path("worker_id").asText("a worker"));
                }
                out.flush();
            }
            if (!pending.isEmpty()) {
                Thread.sleep(1000);
            }
        }
        if (!pending.isEmpty()) {
            out.println("  stopped following after " + timeout.toMinutes() + " min; still pending: " + pending
                    + " (./extfarm up again, or watch " + "/api/v1/builds)");
        }
    }

    /**
     * Follows the reproducibility rebuilds of {@code extensions} for {@code majors} until none is
     * queued or running (a rebuild is queued when its bundle is published, so after the builds
     * they are all known), or until {@code timeout}.
     */
    void followRebuilds(Set<String> extensions, Set<Integer> majors, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Long> seen = new HashSet<>();
        while (System.nanoTime() < deadline) {
            List<Long> open = new ArrayList<>();
            for (JsonNode b : api.get("/api/v1/builds?status=queued,running&size=200").path("items")) {
                if (isRebuild(b) && extensions.contains(b.path("extension").asText()) && majors.contains(b.path("pg_major").asInt())
                        && seen.add(b.path("id").asLong())) {
                    open.add(b.path("id").asLong());
                }
            }
            if (open.isEmpty()) {
                return;
            }
            follow(open, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    static String line(JsonNode b) {
        String status = b.path("status").asText();
        String head = String.format("#%-4s %-12s pg%-3s", b.path("id").asText(), b.path("extension").asText(), b.path("pg_major").asText())
                + (isRebuild(b) ? " rebuild" : "");
        if (status.equals("succeeded") || status.equals("cached")) {
            return "ok     " + head + " " + status + durationOf(b);
        }
        return "FAILED " + head + " " + cause(b) + durationOf(b);
    }

    static String cause(JsonNode b) {
        JsonNode f = b.has("failure") && b.get("failure").isObject() ? b.get("failure") : b;
        String cause = f.path("cause").asText(b.path("status").asText());
        String step = f.path("step").asText("");
        String who = f.path("responsibility").asText("");
        return (step.isEmpty() ? "" : step + ": ") + cause + (who.isEmpty() ? "" : " (" + who + ")");
    }

    private static String durationOf(JsonNode b) {
        long ms = b.path("duration_millis").asLong(0);
        return ms > 0 ? String.format(" in %.1f s", ms / 1000.0) : "";
    }

    static final String SOURCE_UNAVAILABLE = "source-unavailable";

    /**
     * One line, when the summary's latest builds include any that could not get their source:
     * how to give the farm a source mirror. Empty otherwise.
     */
    Optional<String> sourceHint() {
        return sourceHint(sourceUnavailable);
    }

    static Optional<String> sourceHint(Set<String> cells) {
        if (cells.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("  sources: " + cells.size() + " build(s) could not get their source (" + SOURCE_UNAVAILABLE + ": "
                + String.join(", ", cells.stream().limit(5).toList()) + (cells.size() > 5 ? ", ..." : "")
                + "); without internet give a source mirror: ./extfarm sources mirror DIR (where sources can be had), then"
                + " ./extfarm up --source-mirror DIR (docs/operations.md#source-mirrors)");
    }

    /** A reproducibility rebuild (a second build of a published bundle, compared byte for byte) is not a cell of its own. */
    static boolean isRebuild(JsonNode build) {
        return REBUILD_REASON.equals(build.path("reason").asText());
    }

    static final String REBUILD_REASON = "reproducibility";

    /**
     * The table extension × PG major of each cell's latest build (reproducibility rebuilds left
     * out: they say whether a bundle is reproducible, not whether it builds), then, per major,
     * how many bundles ran upstream's regression suite and passed it, and the reproducibility
     * verdicts so far.
     */
    void summary(Set<String> extensions) throws IOException, InterruptedException {
        TreeSet<Integer> majors = new TreeSet<>();
        Map<String, Map<Integer, String>> cells = new TreeMap<>();
        Map<Integer, int[]> suites = new TreeMap<>(); // major → {bundles, ran a suite, suite green}
        Map<Integer, int[]> rebuilds = new TreeMap<>(); // major → {reproducible, not reproducible, rebuild failed, pending}
        for (String ext : extensions) {
            JsonNode page = api.get("/api/v1/builds?extension=" + ext + "&size=100");
            JsonNode items = page.isArray() ? page : page.path("items");
            Map<Integer, String> row = cells.computeIfAbsent(ext, k -> new TreeMap<>());
            for (JsonNode b : items) {
                if (isRebuild(b)) {
                    continue;
                }
                int pg = b.path("pg_major").asInt();
                majors.add(pg);
                String status = b.path("status").asText();
                String cause = b.path("failure").path("cause").asText(b.path("cause").asText("?"));
                String cell = status.equals("succeeded") || status.equals("cached") ? "ok"
                        : status.equals("failed") || status.equals("farm-error") ? status + ": " + cause
                        : status;
                if (row.putIfAbsent(pg, cell) == null) { // the API lists newest first: this is the cell's latest build
                    if (SOURCE_UNAVAILABLE.equals(cause)) {
                        sourceUnavailable.add(ext + " pg" + pg);
                    }
                    if (cell.equals("ok")) {
                        int[] s = suites.computeIfAbsent(pg, k -> new int[3]);
                        s[0]++;
                        JsonNode regress = b.path("regress");
                        if (regress.path("run").asInt(0) > 0) {
                            s[1]++;
                            if (regress.path("failed").asInt(0) == 0) {
                                s[2]++;
                            }
                        }
                    }
                }
            }
            JsonNode verdicts = api.getOptional("/api/v1/extensions/" + ext + "/reproducibility").orElse(null);
            if (verdicts != null) {
                for (JsonNode t : verdicts.path("targets")) {
                    int[] r = rebuilds.computeIfAbsent(t.path("pg_major").asInt(), k -> new int[4]);
                    r[0] += t.path("reproducible").asInt(0);
                    r[1] += t.path("not_reproducible").asInt(0);
                    r[2] += t.path("rebuild_failed").asInt(0);
                    r[3] += t.path("pending").asInt(0);
                }
            }
        }
        out.println();
        int width = Math.max("extension".length(), extensions.stream().mapToInt(String::length).max().orElse(0)) + 2;
        StringBuilder header = new StringBuilder(String.format("%-" + width + "s", "extension"));
        majors.forEach(m -> header.append(String.format("%-36s", "PG " + m)));
        out.println(header.toString().stripTrailing());
        for (var e : cells.entrySet()) {
            StringBuilder row = new StringBuilder(String.format("%-" + width + "s", e.getKey()));
            majors.forEach(m -> row.append(String.format("%-36s", e.getValue().getOrDefault(m, "-"))));
            out.println(row.toString().stripTrailing());
        }
        if (!suites.isEmpty()) {
            out.println();
            out.println("upstream regression suites (of the bundles built): " + String.join("; ", suites.entrySet().stream()
                    .map(e -> "PG " + e.getKey() + ": " + e.getValue()[1] + " of " + e.getValue()[0] + " ran one, "
                            + e.getValue()[2] + " green").toList()));
        }
        if (!rebuilds.isEmpty()) {
            out.println("reproducibility (each new bundle rebuilt and compared): " + String.join("; ", rebuilds.entrySet().stream()
                    .map(e -> reproducibilityLine(e.getKey(), e.getValue())).toList()));
        }
    }

    static String reproducibilityLine(int major, int[] r) {
        int verified = r[0] + r[1];
        String rate = verified == 0 ? "no verdict yet" : String.format("%d of %d reproducible (%.0f %%)", r[0], verified, 100.0 * r[0] / verified);
        return "PG " + major + ": " + rate + (r[2] > 0 ? ", " + r[2] + " rebuild(s) failed" : "")
                + (r[3] > 0 ? ", " + r[3] + " rebuild(s) pending (low priority; --follow-rebuilds waits for them)" : "");
    }
}
