package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every control file a bundle carries is listed in the manifest's {@code extensions}, and so named
 * by the control-name rule (issue 21, item 7: {@code share/extension/a b.control} was accepted,
 * and the registry failed with a 500 after publishing the bundle). A control file whose name is
 * fine but missing from the list is refused as well: the registry owns, stores and checks exactly
 * the listed names.
 */
class ListedControlFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a b", ".hidden", "é", "x\u0007y", "unlisted", "main--1.1"})
    void aControlFileMissingFromExtensionsIsRefusedByTheManifestAndTheReader(String control) throws Exception {
        byte[] main = "comment = 'main'\ndefault_version = '1.0'\n".getBytes(StandardCharsets.UTF_8);
        byte[] other = "comment = 'smuggled'\n".getBytes(StandardCharsets.UTF_8);
        String otherPath = "share/extension/" + control + ".control";
        BundleManifest m = Fixtures.manifest("main").withFiles(List.of(
                BundleManifest.FileEntry.file("share/extension/main.control", main.length, Digests.sha256(main), false),
                BundleManifest.FileEntry.file(otherPath, other.length, Digests.sha256(other), false)));
        assertThatThrownBy(m::validate).isInstanceOf(InvalidManifestException.class)
                .hasMessageStartingWith("extensions:").hasMessageContaining(otherPath);

        byte[] tar = new RawTar().file("manifest.json", m.toJson()).file("share/extension/main.control", main)
                .pax("path=" + otherPath).file("share/extension/placeholder", other).end().bytes();
        assertThatThrownBy(() -> BundleReader.withDefaults().verify(new ByteArrayInputStream(tar)))
                .isInstanceOfSatisfying(BundleRejectedException.class, e -> {
                    // a name with a control character already breaks the entry-name rule
                    assertThat(e.rule()).isIn(RejectionRule.MANIFEST_INVALID, RejectionRule.BAD_NAME);
                    if (e.rule() == RejectionRule.MANIFEST_INVALID) {
                        assertThat(e.detail()).contains(otherPath);
                    }
                });
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 250})
    void aListedControlNameLongerThanTheRuleAllowsIsRefused(int length) {
        BundleManifest m = Fixtures.manifest("main");
        assertThatThrownBy(() -> new BundleManifest(1, "main", "1.0", 17, m.platform(), null, List.of("main", "c".repeat(length)),
                List.of(), List.of(), false, false, List.of(), List.of(), "PostgreSQL", List.of(), null, null, List.of()).validate())
                .hasMessageStartingWith("extensions:");
    }
}
