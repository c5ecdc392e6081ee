package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.FileTrees;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.Installer;
import dev.extfarm.fetcher.install.NodeState;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both layouts install through one journaled shape: an install that fails while staging its files
 * leaves the previous version whole, its markers too, and nothing of the attempt (no journal, no
 * temporary file, no store directory linked); a retry installs, keeping the previous version's SQL
 * scripts beside the new ones. Shared mode against a relocated PostgreSQL 15, prefix mode on disk.
 */
class InstallRollbackTest {

    @TempDir
    Path tmp;

    private static ComputeSpec.Entry entry(VerifiedBundle vb) {
        var m = vb.manifest();
        return new ComputeSpec.Entry(m.name(), m.version(), vb.sha256(), vb.size(), "http://127.0.0.1/x", null, null, null, null,
                m.extensions(), m.libraries(), m.requires(), m.sharedPreload(), m.preload(), m.systemLibraries(), null, null);
    }

    /** Unpacks the bundle where the installer stages it, lets {@code before} spoil the tree, installs. */
    private static InstalledRecord install(Installer installer, Path tar, Sabotage before) throws Exception {
        VerifiedBundle vb;
        try (InputStream in = Files.newInputStream(tar)) {
            vb = BundleReader.withDefaults().verify(in);
        }
        ComputeSpec.Entry e = entry(vb);
        Path dest = installer.stagingFor(e);
        try (InputStream in = Files.newInputStream(tar)) {
            BundleReader.withDefaults().unpack(in, dest);
        }
        before.spoil(dest);
        try {
            return installer.install(e, vb, dest);
        } catch (FetchException failed) {
            FileTrees.deleteRecursively(dest); // as the install job does
            throw failed;
        }
    }

    interface Sabotage {
        void spoil(Path tree) throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"shared", "prefix"})
    void anInstallFailingWhileStagingLeavesThePreviousVersionWholeAndARetryInstalls(String mode) throws Exception {
        try (Node node = mode.equals("shared") ? new Node() : null) {
            PgLayout layout = node != null ? node.layout() : PgLayout.prefix(tmp.resolve("prefix"));
            NodeState state = new NodeState(tmp.resolve("state"));
            Installer installer = Installer.forLayout(layout, state);
            installer.recover();
            Path v10 = Bundles.sql(tmp, "rb").libraries("rb").pack();
            Path v11 = Bundles.sql(tmp, "rb").version("1.1").libraries("rb").pack(); // without 1.0's script
            InstalledRecord r10 = install(installer, v10, tree -> { });
            assertThat(installer.problems(r10)).isEmpty();

            // 1.1's share/extension is a file, not a directory: its files cannot be staged (shared mode moves
            // them beside their targets, prefix mode copies 1.0's scripts into 1.1's directory)
            assertThatThrownBy(() -> install(installer, v11, tree -> {
                Path ext = tree.resolve("share/extension");
                FileTrees.deleteRecursively(ext);
                Files.writeString(ext, "not a directory");
            })).isInstanceOf(FetchException.class).satisfies(e -> {
                assertThat(((FetchException) e).code()).isEqualTo("install-failed");
                assertThat(e.getMessage()).contains("staging the files of rb 1.1 failed");
            });

            InstalledRecord now = state.get("rb").orElseThrow();
            assertThat(now.version()).isEqualTo("1.0");
            assertThat(installer.problems(now)).as("1.0 whole, its markers too").isEmpty();
            assertThat(installer.markers().present(now)).isTrue();
            assertThat(list(state.journalDir())).as("journals").isEmpty();
            assertThat(leftovers(layout)).as("temporary files and unlinked store directories").isEmpty();

            InstalledRecord r11 = install(installer, v11, tree -> { });
            assertThat(r11.version()).isEqualTo("1.1");
            assertThat(installer.problems(r11)).isEmpty();
            assertThat(r11.files().keySet()).as("1.0's install script stays for databases still at 1.0")
                    .anyMatch(f -> f.endsWith("/rb--1.0.sql")).anyMatch(f -> f.endsWith("/rb--1.1.sql"));
            assertThat(installer.recover()).as("nothing left to recover").isEmpty();
        }
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** {@code .extfarm-new.*} files beside the targets (shared mode), store directories no link points at (prefix mode). */
    private static List<Path> leftovers(PgLayout layout) throws Exception {
        List<Path> out = new ArrayList<>();
        List<Path> roots = layout.mode() == PgLayout.Mode.SHARED ? List.of(layout.shareDir(), layout.libDir()) : List.of(layout.prefix());
        for (Path root : roots) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.getFileName().toString().startsWith(".extfarm-new.")).forEach(out::add);
            }
        }
        if (layout.mode() == PgLayout.Mode.PREFIX) {
            Path linked = layout.prefix().resolve(Files.readSymbolicLink(layout.prefix().resolve("rb"))).normalize();
            list(layout.prefix().resolve(".extfarm/store")).stream().filter(d -> !d.equals(linked)).forEach(out::add);
        }
        return out;
    }
}
