package dev.extfarm.cli.farm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.api.LocalFarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data layout `extfarm up` gives a local farm: the worker's directory holds none of the farm's secrets. */
class FarmLayoutTest {

    @TempDir
    Path tmp;

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void registryAndWorkerGetSeparateOwnerOnlyDirectories() throws Exception {
        FarmLayout layout = new FarmLayout(tmp.resolve("data"));
        assertThat(layout.prepare(false)).isEmpty();
        for (Path d : new Path[]{layout.data(), layout.registry(), layout.worker(), layout.logs(), layout.run()}) {
            assertThat(d).isDirectory();
            assertThat(mode(d)).as(d.toString()).isEqualTo("rwx------");
        }
        assertThat(layout.registry()).isNotEqualTo(layout.worker());
        assertThat(layout.registry().startsWith(layout.worker())).isFalse();
        assertThat(layout.worker().startsWith(layout.registry())).isFalse();
        for (Path secret : layout.secrets()) {
            assertThat(secret.startsWith(layout.worker())).as(secret + " is outside the worker's directory").isFalse();
        }
        assertThat(layout.adminToken()).isEqualTo(layout.registry().resolve("admin-token"));
        assertThat(layout.signingKey()).isEqualTo(layout.registry().resolve("signing/farm.jwk"));
    }

    @Test
    void tokensAreWrittenOwnerOnlyFromTheStart() throws Exception {
        FarmLayout layout = new FarmLayout(tmp.resolve("data"));
        layout.prepare(false);
        FarmLayout.writeSecret(layout.workerToken(), "efw_secret\n");
        assertThat(layout.workerToken()).hasContent("efw_secret");
        assertThat(mode(layout.workerToken())).isEqualTo("rw-------");
        FarmLayout.writeSecret(layout.workerToken(), "efw_other\n");
        assertThat(layout.workerToken()).hasContent("efw_other");
        try (Stream<Path> s = Files.list(layout.data())) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary file left").noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void anEarlierLayoutMovesIntoRegistryAndItsSecretsBecomeOwnerOnly() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("pg"));
        Files.writeString(data.resolve("pg/PG_VERSION"), "15\n");
        Files.createDirectories(data.resolve("blobs"));
        Files.createDirectories(data.resolve("signing"));
        Files.writeString(data.resolve("signing/farm.jwk"), "{}");
        Files.writeString(data.resolve("admin-token"), "efa_old\n");
        Files.writeString(data.resolve("maintainer-token"), "efm_old\n");
        Files.setPosixFilePermissions(data.resolve("admin-token"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(data.resolve("maintainer-token"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(data.resolve("signing/farm.jwk"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(data.resolve("worker/job-1"));
        Files.createDirectories(data.resolve("logs"));
        Files.writeString(data.resolve("logs/registry.log"), "extfarm admin token (shown once ...): efa_old\n");

        FarmLayout layout = new FarmLayout(data);
        assertThat(layout.prepare(false)).containsExactly("pg", "blobs", "signing", "admin-token");
        assertThat(layout.registry().resolve("pg/PG_VERSION")).hasContent("15");
        assertThat(data.resolve("pg")).doesNotExist();
        assertThat(data.resolve("admin-token")).doesNotExist();
        for (Path secret : layout.secrets()) {
            if (Files.exists(secret)) {
                assertThat(mode(secret)).as(secret.toString()).isEqualTo("rw-------");
            }
        }
        assertThat(mode(layout.registry().resolve("signing"))).isEqualTo("rwx------");
        assertThat(mode(layout.logs().resolve("registry.log"))).as("the log that printed the admin token").isEqualTo("rw-------");
        assertThat(LocalFarm.adminToken(data)).contains("efa_old");
        // again: nothing more to move
        assertThat(layout.prepare(false)).isEmpty();
    }

    @Test
    void aRunningRegistryOfTheEarlierLayoutIsLeftWhereItIs() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("pg"));
        Files.writeString(data.resolve("admin-token"), "efa_running\n");
        FarmLayout layout = new FarmLayout(data);
        assertThat(layout.prepare(true)).isEmpty();
        assertThat(data.resolve("pg")).isDirectory();
        assertThat(LocalFarm.adminToken(data)).as("the CLI still finds its token").contains("efa_running");
    }
}
