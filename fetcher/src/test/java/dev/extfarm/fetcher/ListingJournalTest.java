package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase 1's listings are written without waiting for the disk, under a journal
 * ({@code <state>/listing.json}, see {@code PendingListings}): synced once phase 4 starts or before
 * anything installs over them, and after a power loss rolled back where torn and listed again.
 * A power loss is simulated by leaving the files as it could: a control file empty, a record
 * half-written.
 */
class ListingJournalTest {

    @TempDir
    Path tmp;

    /** SQL-only bundles of these names, published. */
    private void publish(RegistryFixture registry, String... names) throws Exception {
        for (String name : names) {
            registry.publish(Bundles.sql(tmp, name).pack());
        }
    }

    @Test
    void listingsAreSyncedWhenPhase4StartsNotBeforeReady() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            publish(registry, "lj1", "lj2");
            Fetcher f = node.fetcher(registry);
            f.prepare();
            assertThat(node.state.resolve("listing.json")).as("pending until phase 4").exists();
            assertThat(Files.readString(node.state.resolve("listing.json"))).contains("\"lj1\"", "\"lj2\"");

            f.startBackground().get(60, TimeUnit.SECONDS);
            assertThat(node.state.resolve("listing.json")).doesNotExist();
            assertThat(node.log()).containsPattern("phase 1: \\d+ listed files synced in \\d+ ms");
            assertThat(node.problems(f)).isEmpty();
        }
    }

    @Test
    void aListingTornByAPowerLossIsRolledBackAndListedAgain() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            publish(registry, "torn_control", "torn_record", "whole");
            node.fetcher(registry).prepare();
            String wholeControl = Files.readString(node.extension("whole.control"));
            // what a power loss before the sync can leave: data blocks never written, a record cut short
            Files.write(node.extension("torn_control.control"), new byte[0]);
            Path record = node.state.resolve("installed/torn_record.json");
            byte[] bytes = Files.readAllBytes(record);
            Files.write(record, java.util.Arrays.copyOf(bytes, bytes.length / 2));

            Fetcher again = node.fetcher(registry);
            again.prepare();

            assertThat(node.log())
                    .contains("recovery: the listing of torn_control 1.0 was cut short by a crash: rolled back, phase 1 lists it again")
                    .contains("recovery: the listing of torn_record 1.0 was cut short by a crash: rolled back, phase 1 lists it again")
                    .doesNotContain("listing of whole 1.0 was cut short");
            for (String name : List.of("torn_control", "torn_record", "whole")) {
                assertThat(Files.readString(node.extension(name + ".control"))).contains("default_version = '1.0'");
                assertThat(again.state().get(name)).as(name).hasValueSatisfying(r -> assertThat(r.installed()).isFalse());
                assertThat(node.marker(name)).doesNotExist();
            }
            assertThat(Files.readString(node.extension("whole.control"))).isEqualTo(wholeControl);
            assertThat(node.problems(again)).isEmpty();
            assertThat(registry.bundleRequests("torn_control")).isZero();

            node.pg.start();
            assertThat(node.pg.sql("SELECT string_agg(name, ',' ORDER BY name) FROM pg_available_extensions WHERE name ~ '^(torn|whole)'"))
                    .isEqualTo("torn_control,torn_record,whole");
        }
    }

    @Test
    void anInstallOfAListedBundleSettlesTheListingFirst() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            publish(registry, "ls_a", "ls_b");
            Fetcher f = node.fetcher(registry);
            f.prepare();
            assertThat(node.state.resolve("listing.json")).exists();

            f.requestExtension("ls_a", Duration.ofSeconds(30));

            // the install kept ls_a's listed control file as it was (same bytes): it had to be synced before the install's record
            assertThat(node.state.resolve("listing.json")).as("settled before the install").doesNotExist();
            assertThat(node.marker("ls_a")).exists();
            assertThat(node.problems(f)).isEmpty();

            // nothing pending any more: a restart recovers nothing and keeps both
            Fetcher again = node.fetcher(registry);
            again.prepare();
            assertThat(node.log()).doesNotContain("was cut short");
            assertThat(again.state().get("ls_a")).hasValueSatisfying(r -> assertThat(r.installed()).isTrue());
            assertThat(again.state().get("ls_b")).hasValueSatisfying(r -> assertThat(r.installed()).isFalse());
        }
    }

    @Test
    void aTornRecordOutsideAPendingListingIsAnErrorThatSaysWhatToDo() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            publish(registry, "kept");
            Fetcher f = node.fetcher(registry);
            f.prepare();
            f.requestExtension("kept", Duration.ofSeconds(30));
            Files.writeString(node.state.resolve("installed/kept.json"), "{\"name\": \"kept\", \"fil");

            assertThatThrownBy(() -> node.fetcher(registry))
                    .hasMessageContaining("cannot read the fetcher's record")
                    .hasMessageContaining("kept.json")
                    .hasMessageContaining("extfarm fetch recover");
            assertThat(node.extension("kept.control")).as("nothing deleted").exists();
        }
    }
}
