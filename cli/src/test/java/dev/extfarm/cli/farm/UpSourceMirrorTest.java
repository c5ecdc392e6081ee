package dev.extfarm.cli.farm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./extfarm up --source-mirror DIR} (repeatable) reaches the worker `up` starts as
 * EXTFARM_SOURCE_MIRRORS, before the mirrors the environment names; a directory that is not there
 * stops `up` before anything starts; builds that could not get their source end `up` with one line
 * that says how to give a mirror.
 */
class UpSourceMirrorTest {

    @TempDir
    Path tmp;

    @Test
    void theOptionIsRepeatableAndReachesTheWorkerBeforeTheInheritedMirrors() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("usb/sources"));
        Path b = Files.createDirectories(tmp.resolve("shared"));
        UpCommand up = new UpCommand();
        new CommandLine(up).parseArgs("--source-mirror", a.toString(), "--source-mirror", tmp.relativize(b).toString(),
                "--targets", "bookworm-pg15");
        assertThat(up.sourceMirrors).containsExactly(a, tmp.relativize(b));

        Optional<String> setting = UpCommand.sourceMirrorSetting(List.of(a, b), Optional.of("/srv/inherited"));
        assertThat(setting).contains(a + ":" + b + ":/srv/inherited");

        Map<String, String> env = up.workerEnvironment(URI.create("http://127.0.0.1:7780"), "tok", tmp.resolve("worker"),
                tmp.resolve("cache"), 7781, setting);
        assertThat(env).containsEntry("EXTFARM_SOURCE_MIRRORS", a + ":" + b + ":/srv/inherited")
                .containsEntry("EXTFARM_WORKER_SOURCE_CACHE", tmp.resolve("cache").toString())
                .containsEntry("EXTFARM_WORKER_TARGETS", "bookworm-pg15");
    }

    @Test
    void withoutTheOptionTheEnvironmentsMirrorsOrTheWorkersDefaultApply() throws Exception {
        assertThat(UpCommand.sourceMirrorSetting(null, Optional.of("/srv/m"))).contains("/srv/m");
        assertThat(UpCommand.sourceMirrorSetting(List.of(), Optional.empty())).isEmpty();
        UpCommand up = new UpCommand();
        new CommandLine(up).parseArgs();
        assertThat(up.workerEnvironment(URI.create("http://127.0.0.1:7780"), "tok", tmp, tmp, 7781, Optional.empty()))
                .doesNotContainKey("EXTFARM_SOURCE_MIRRORS");
    }

    @Test
    void theWorkerRunsTwoBuildsAtOnceUnlessToldOtherwise() throws Exception {
        UpCommand up = new UpCommand();
        new CommandLine(up).parseArgs();
        assertThat(up.workerEnvironment(URI.create("http://127.0.0.1:7780"), "tok", tmp, tmp, 7781, Optional.empty()))
                .containsEntry("EXTFARM_WORKER_CONCURRENCY", "2");
        new CommandLine(up).parseArgs("--concurrency", "1");
        assertThat(up.workerEnvironment(URI.create("http://127.0.0.1:7780"), "tok", tmp, tmp, 7781, Optional.empty()))
                .containsEntry("EXTFARM_WORKER_CONCURRENCY", "1");
    }

    @Test
    void aMirrorThatIsNotADirectoryStopsUpWithAClearMessage() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> UpCommand.sourceMirrorSetting(List.of(tmp.resolve("missing")), Optional.empty()))
                .isInstanceOf(IOException.class).hasMessageContaining("--source-mirror " + tmp.resolve("missing") + ": no such directory")
                .hasMessageContaining("./extfarm sources mirror");
        assertThatThrownBy(() -> UpCommand.sourceMirrorSetting(List.of(file), Optional.empty())).isInstanceOf(IOException.class);
        Path colon = Files.createDirectories(tmp.resolve("a:b"));
        assertThatThrownBy(() -> UpCommand.sourceMirrorSetting(List.of(colon), Optional.empty())).hasMessageContaining("':'");
    }

    @Test
    void buildsWithoutTheirSourceEndUpWithOneLineOnHowToGiveAMirror() {
        assertThat(BuildFollower.sourceHint(new TreeSet<>())).isEmpty();
        String line = BuildFollower.sourceHint(new TreeSet<>(List.of("pgaudit pg15", "vector pg17"))).orElseThrow();
        assertThat(line).doesNotContain("\n").contains("2 build(s)").contains("source-unavailable: pgaudit pg15, vector pg17")
                .contains("./extfarm sources mirror DIR").contains("./extfarm up --source-mirror DIR");
    }
}
