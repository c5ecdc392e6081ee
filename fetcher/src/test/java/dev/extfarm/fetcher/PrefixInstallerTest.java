package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.Installer;
import dev.extfarm.fetcher.install.NodeState;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.protocol.ComputeSpec;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL 18's prefix mode (no PostgreSQL 18 on this machine: the layout is checked on disk):
 * control files listed first, a bundle renamed into the store whole and linked in one rename, an
 * upgrade swapping the link, a removal, and the configuration include naming every bundle.
 */
class PrefixInstallerTest {

    @TempDir
    Path tmp;

    private static ComputeSpec.Entry entry(VerifiedBundle vb) {
        var m = vb.manifest();
        return new ComputeSpec.Entry(m.name(), m.version(), vb.sha256(), vb.size(), "http://127.0.0.1/x", "http://127.0.0.1/x/"
                + m.name() + ".control", null, null, null, m.extensions(), m.libraries(), m.requires(), m.sharedPreload(), m.preload(),
                m.systemLibraries(), null, null);
    }

    private static VerifiedBundle unpack(Path tar, Path dest) throws Exception {
        try (InputStream in = Files.newInputStream(tar)) {
            return BundleReader.withDefaults().unpack(in, dest);
        }
    }

    @Test
    void aBundleIsOneDirectoryLinkedIntoThePrefix() throws Exception {
        Path prefix = tmp.resolve("prefix");
        NodeState state = new NodeState(tmp.resolve("state"));
        Installer installer = Installer.forLayout(PgLayout.prefix(prefix), state);
        installer.recover();
        Path v10 = Bundles.sql(tmp, "pv").libraries("pv").pack();
        Path v11 = Bundles.sql(tmp, "pv").version("1.1").libraries("pv").upgradeFrom("1.0").pack();

        VerifiedBundle b10 = BundleReader.withDefaults().verify(Files.newInputStream(v10));
        ComputeSpec.Entry e10 = entry(b10);
        installer.specChanged(new ComputeSpec(1, "acme", 18, Bundles.PLATFORM, "now", "later", List.of(e10)));
        assertThat(Files.readString(prefix.resolve("extfarm.conf")))
                .contains("extension_control_path = '$system:" + prefix.resolve("pv") + "/share'")
                .contains("dynamic_library_path = '$libdir:" + prefix.resolve("pv") + "/lib'");

        installer.publishControls(e10, Map.of("pv", b10.controlFiles().get("pv")));
        assertThat(Files.exists(prefix.resolve("pv/share/extension/pv.control"))).isTrue();
        assertThat(Files.exists(prefix.resolve(".extfarm/installed/pv.installed"))).isFalse();

        Path dest = installer.stagingFor(e10);
        installer.install(e10, unpack(v10, dest), dest);
        assertThat(Files.isSymbolicLink(prefix.resolve("pv"))).isTrue();
        assertThat(Files.exists(prefix.resolve("pv/share/extension/pv--1.0.sql"))).isTrue();
        assertThat(Files.exists(prefix.resolve(".extfarm/installed/pv.installed"))).isTrue();
        assertThat(Files.exists(prefix.resolve(".extfarm/installed/libraries/pv.installed"))).isTrue();
        InstalledRecord r10 = state.get("pv").orElseThrow();
        assertThat(installer.problems(r10)).isEmpty();

        VerifiedBundle b11 = BundleReader.withDefaults().verify(Files.newInputStream(v11));
        ComputeSpec.Entry e11 = entry(b11);
        Path dest11 = installer.stagingFor(e11);
        installer.install(e11, unpack(v11, dest11), dest11);
        assertThat(Files.exists(prefix.resolve("pv/share/extension/pv--1.0--1.1.sql"))).isTrue();
        assertThat(Files.exists(Path.of(r10.dir()))).as("the old version's directory is gone").isFalse();
        assertThat(installer.problems(state.get("pv").orElseThrow())).isEmpty();

        // a directory unpacked but never linked (a crash before the link swap) is removed at the next start
        Path orphan = installer.stagingFor(e10);
        unpack(v10, orphan);
        new NodeState(tmp.resolve("state"));
        Installer.forLayout(PgLayout.prefix(prefix), new NodeState(tmp.resolve("state"))).recover();
        assertThat(Files.exists(orphan)).isFalse();

        installer.remove("pv");
        assertThat(Files.exists(prefix.resolve("pv"))).isFalse();
        assertThat(Files.exists(prefix.resolve(".extfarm/installed/pv.installed"))).isFalse();
        try (var s = Files.list(prefix.resolve(".extfarm/store"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    /**
     * {@code fetch install} alone (no {@code prepare} before it) leaves a prefix PostgreSQL 18 can
     * use: extfarm.conf names the bundle's directories (it used to be written by prepare and serve only).
     */
    @Test
    void installFromTheCommandLineWritesTheConfigurationInclude() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(18, Bundles.PLATFORM)) {
            registry.publish(Bundles.sql(tmp, "px").pack());
            Path spec = Files.write(tmp.resolve("spec.json"), registry.specJson());
            Path prefix = tmp.resolve("prefix");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = FetcherMain.run(new String[]{"install", "px", "--spec-file", spec.toString(), "--prefix", prefix.toString(),
                    "--trusted-keys", registry.keysFile(tmp).toString(), "--state-dir", tmp.resolve("state").toString(),
                    "--progress", "plain"}, new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).isEqualTo("px: installed (px 1.0)\n");
            assertThat(Files.readString(prefix.resolve("extfarm.conf")))
                    .contains("extension_control_path = '$system:" + prefix.resolve("px") + "/share'")
                    .contains("dynamic_library_path = '$libdir:" + prefix.resolve("px") + "/lib'");
            assertThat(Files.exists(prefix.resolve("px/share/extension/px.control"))).isTrue();
        }
    }
}
