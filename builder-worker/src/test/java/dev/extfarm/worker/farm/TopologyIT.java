package dev.extfarm.worker.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.bundle.Digests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployed topology on one machine: one PostgreSQL, one S3 store, two registry replicas behind
 * one address, three workers, all separate processes on 127.0.0.1 (see {@link Topology}). The real
 * recipes are pushed (CI: the subset in {@link #CI_RECIPES}; full mode: every recipe in recipes/)
 * and built from their real sources; every build must run exactly once (one claim) to success, and
 * every bundle must be readable, byte for byte, through each replica directly.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "extfarm.faults", matches = "true",
        disabledReason = "fault suites run with -Dextfarm.faults=true (.ci/run, infra/faults/)")
class TopologyIT {

    static final List<String> CI_RECIPES = List.of("semver", "ip4r", "pg_rrule");

    @Test
    void realRecipesRunOnceToSuccessAndEveryBundleIsReadableThroughBothReplicas() throws Exception {
        List<String> names = recipes();
        try (Topology t = Topology.start("topology", 2, Map.of())) {
            long started = System.nanoTime();
            Map<Long, String> builds = new LinkedHashMap<>();
            for (String name : names) {
                for (long id : t.push(FarmIT.ROOT.resolve("recipes").resolve(name))) {
                    builds.put(id, name);
                }
            }
            assertThat(builds).as("one bookworm/15 build per recipe").hasSize(names.size());
            for (int i = 1; i <= 3; i++) {
                t.startWorker("topology-w" + i);
            }
            Map<Long, JsonNode> done = t.awaitAll(new ArrayList<>(builds.keySet()), Duration.ofMinutes(30));
            long wallMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

            for (JsonNode b : done.values()) {
                assertThat(b.path("status").asText()).as(b.path("extension").asText() + ": " + b).isEqualTo("succeeded");
            }
            Map<String, Integer> perWorker = new TreeMap<>();
            try (Connection c = t.db(); ResultSet rs = c.createStatement().executeQuery(
                    "SELECT b.id, count(a.*), count(a.*) FILTER (WHERE a.outcome = 'succeeded'), max(a.worker_id) "
                            + "FROM build b JOIN build_attempt a ON a.build_id = b.id GROUP BY b.id")) {
                while (rs.next()) {
                    assertThat(rs.getInt(2)).as("claims of build " + rs.getLong(1)).isEqualTo(1);
                    assertThat(rs.getInt(3)).as("accepted completions of build " + rs.getLong(1)).isEqualTo(1);
                    perWorker.merge(rs.getString(4), 1, Integer::sum);
                }
            }

            int reads = 0;
            for (JsonNode b : done.values()) {
                String address = b.path("result").path("address").asText();
                String hex = b.path("result").path("sha256").asText();
                for (Topology.Replica r : t.replicas) {
                    byte[] bytes = r.api().bytes("/" + address);
                    assertThat(Digests.sha256(bytes)).as(address + " through " + r.name).isEqualTo(hex);
                    reads++;
                }
            }
            StoreConsistency consistency = StoreConsistency.check(t.db(), t.s3.client());
            assertThat(consistency.agrees()).as(consistency.toString()).isTrue();
            assertThat(consistency.rows()).isEqualTo(names.size());

            FaultFigures.report("topology", "recipes", names);
            FaultFigures.report("topology", "builds_succeeded_once", done.size());
            FaultFigures.report("topology", "builds_per_worker", perWorker);
            FaultFigures.report("topology", "bundle_reads_verified", reads + " (" + t.replicas.size() + " replicas)");
            FaultFigures.report("topology", "wall_seconds", wallMillis / 1000.0);
            FaultFigures.report("topology", "store", consistency);
        }
    }

    static List<String> recipes() throws Exception {
        String only = FaultFigures.setting("extfarm.faults.recipes", "");
        if (!only.isBlank()) {
            return List.of(only.split(","));
        }
        if (!FaultFigures.full()) {
            return CI_RECIPES;
        }
        try (Stream<Path> s = Files.list(FarmIT.ROOT.resolve("recipes"))) {
            return s.filter(p -> Files.exists(p.resolve("recipe.yaml"))).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
