package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.Installer;
import dev.extfarm.fetcher.install.NodeState;
import dev.extfarm.fetcher.install.PgLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real fetcher process (a child JVM running {@code fetch serve}) at random points
 * while it installs 50 bundles of 25 files each into a relocated PostgreSQL 15: after every kill,
 * the next start's recovery leaves each bundle either absent (at most its listed control file) or
 * whole (every file with its bytes, markers written), with no temporary file or journal left.
 * Rounds: {@code -Dfetcher.kills} (10 by default, 50 for the full run).
 */
class KillNineTest {

    static final int BUNDLES = 50;
    /** Interrupted installs or removals the recoveries rolled back or completed. */
    private static int recovered;

    @TempDir
    Path tmp;

    @Test
    void everyBundleIsAbsentOrWholeAfterEachKill() throws Exception {
        int kills = Integer.getInteger("fetcher.kills", 10);
        Random random = new Random(Long.getLong("fetcher.seed", System.nanoTime()));
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < BUNDLES; i++) {
                String name = "k" + i;
                names.add(name);
                registry.publish(Bundles.sql(tmp, name).extraFiles(24).padding(40_000 + 1000L * i).pack());
            }
            Path tokenFile = Files.writeString(tmp.resolve("token"), registry.computeToken());
            PgLayout layout = node.layout();
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    FetcherMain.class.getName(), "serve", "--spec-url", registry.specUrl().toString(),
                    "--trusted-keys", registry.keysFile(tmp).toString(),
                    "--token-file", tokenFile.toString(), "--share-dir", layout.shareDir().toString(),
                    "--lib-dir", layout.libDir().toString(), "--state-dir", node.state.toString(),
                    "--cache-dir", node.cache.toString(), "--concurrency", "2", "--bandwidth", "600K",
                    "--refresh", "0", "--hold-background", "0", "--progress", "plain"); // no PostgreSQL here
            int midInstall = 0;
            for (int round = 1; round <= kills; round++) {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile())).start();
                if (random.nextInt(5) == 0) {
                    Thread.sleep(300 + random.nextInt(1500)); // during start-up, recovery or phase 1
                } else {
                    // during the installs: after a few more of them (about BUNDLES installs over all rounds),
                    // plus a random few milliseconds; or at once if the child has nothing left to do
                    long target = count(tmp, "fetcher: installed k") + 1 + random.nextInt(Math.max(1, BUNDLES / kills));
                    long idle = count(tmp, "background: done");
                    long deadline = System.currentTimeMillis() + 30_000;
                    while (count(tmp, "fetcher: installed k") < target && count(tmp, "background: done") == idle && p.isAlive()
                            && System.currentTimeMillis() < deadline) {
                        Thread.sleep(5);
                    }
                    Thread.sleep(random.nextInt(60));
                }
                if (journalOpen(node.state)) {
                    midInstall++;
                }
                p.destroyForcibly(); // SIGKILL
                p.waitFor(30, TimeUnit.SECONDS);
                assertAbsentOrWhole(node, layout, names, "after kill " + round);
            }
            String childLog = Files.readString(tmp.resolve("child.log"));
            System.out.println("kill -9: " + kills + " kills, " + midInstall + " with a journal seen just before the kill, "
                    + recovered + " interrupted installs recovered; " + childLog.lines().filter(l -> l.contains("installed k")).count()
                    + " installs done by the killed processes");

            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile())).start();
            try {
                long deadline = System.currentTimeMillis() + 120_000;
                while (installedCount(node.state) < BUNDLES) {
                    assertThat(System.currentTimeMillis()).as("all installed; child log:\n" + Files.readString(tmp.resolve("child.log")))
                            .isLessThan(deadline);
                    Thread.sleep(200);
                }
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            List<String> states = assertAbsentOrWhole(node, layout, names, "at the end");
            assertThat(states).containsOnly("whole");
        }
    }

    private static long count(Path tmp, String text) throws Exception {
        Path log = tmp.resolve("child.log");
        return Files.exists(log) ? Files.readString(log).lines().filter(l -> l.contains(text)).count() : 0;
    }

    static boolean journalOpen(Path state) throws Exception {
        Path j = state.resolve("journal");
        if (!Files.isDirectory(j)) {
            return false;
        }
        try (Stream<Path> s = Files.list(j)) {
            return s.anyMatch(f -> f.toString().endsWith(".json"));
        }
    }

    private static long installedCount(Path state) throws Exception {
        Path d = state.resolve("installed");
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            // the records NodeState reads (<bundle>.json), not the temp files a killed write left (.<bundle>.json.tmp-…)
            return s.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith(".")).filter(f -> {
                try {
                    return Files.readString(f).contains("\"status\" : \"installed\"");
                } catch (Exception e) {
                    return false;
                }
            }).count();
        }
    }

    /** Recovers as the next start would, then checks each bundle; returns "whole" or "absent" per bundle. */
    private List<String> assertAbsentOrWhole(Node node, PgLayout layout, List<String> names, String when) throws Exception {
        NodeState state = new NodeState(node.state);
        Installer installer = Installer.forLayout(layout, state);
        recovered += installer.recover().size();
        assertThat(node.strayTempFiles()).as(when + ": temp files").isEmpty();
        assertThat(journalOpen(node.state)).as(when + ": journal").isFalse();
        List<String> out = new ArrayList<>();
        for (String name : names) {
            InstalledRecord r = state.get(name).orElse(null);
            if (r != null && r.installed()) {
                assertThat(installer.problems(r)).as(when + ": " + name + " is marked installed, so whole").isEmpty();
                assertThat(Files.exists(node.marker(name))).isTrue();
                out.add("whole");
            } else {
                assertThat(Files.exists(node.marker(name))).as(when + ": " + name + " marker").isFalse();
                assertThat(node.filesOf(name + "--")).as(when + ": " + name + " scripts").isEmpty();
                assertThat(node.filesOf(name + "-data")).as(when + ": " + name + " library data").isEmpty();
                out.add("absent");
            }
        }
        return out;
    }
}
