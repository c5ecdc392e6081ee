package dev.extfarm.cli.farm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
    void follow(List<Long> ids, Duration timeout, java.util.function.Supplier<Set<Integer>> unbuildable)
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

    static String line(JsonNode b) {
        String status = b.path("status").asText();
        String head = String.format("#%-4s %-12s pg%-3s", b.path("id").asText(), b.path("extension").asText(), b.path("pg_major").asText());
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

    /** Latest build per extension and PG major. */
    void summary(Set<String> extensions) throws IOException, InterruptedException {
        TreeSet<Integer> majors = new TreeSet<>();
        Map<String, Map<Integer, String>> cells = new TreeMap<>();
        for (String ext : extensions) {
            JsonNode page = api.get("/api/v1/builds?extension=" + ext + "&size=100");
            JsonNode items = page.isArray() ? page : page.path("items");
            Map<Integer, String> row = cells.computeIfAbsent(ext, k -> new TreeMap<>());
            for (JsonNode b : items) {
                int pg = b.path("pg_major").asInt();
                majors.add(pg);
                String status = b.path("status").asText();
                String cause = b.path("failure").path("cause").asText(b.path("cause").asText("?"));
                String cell = status.equals("succeeded") || status.equals("cached") ? "ok"
                        : status.equals("failed") || status.equals("farm-error") ? status + ": " + cause
                        : status;
                if (row.putIfAbsent(pg, cell) == null && SOURCE_UNAVAILABLE.equals(cause)) { // the API lists newest first
                    sourceUnavailable.add(ext + " pg" + pg);
                }
            }
        }
        out.println();
        StringBuilder header = new StringBuilder(String.format("%-14s", "extension"));
        majors.forEach(m -> header.append(String.format("%-36s", "PG " + m)));
        out.println(header.toString().stripTrailing());
        for (var e : cells.entrySet()) {
            StringBuilder row = new StringBuilder(String.format("%-14s", e.getKey()));
            majors.forEach(m -> row.append(String.format("%-36s", e.getValue().getOrDefault(m, "-"))));
            out.println(row.toString().stripTrailing());
        }
    }
}
