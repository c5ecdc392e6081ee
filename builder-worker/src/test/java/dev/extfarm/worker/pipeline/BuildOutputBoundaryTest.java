package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recipes that attack the worker through their build output, built for real (Docker, the farm's
 * images): each plants, from pre_build (uid 1000, owner of /out), a link, hard link or FIFO that
 * a host-side collector would follow or open. Each build fails at {@code collect} with
 * {@code output-escape}, naming the entry, and no byte of the host's secret is anywhere in the
 * job's work directory. And the smoke test runs the module like the build: not root, no
 * capabilities, no-new-privileges.
 */
class BuildOutputBoundaryTest {

    @TempDir
    Path work;

    Path secretDir;
    String secret;

    @BeforeAll
    static void images() throws Exception {
        BuildPipelineTest.images();
    }

    /** A host directory the worker can read and the build must never reach: a stand-in for the farm's data directory. */
    @BeforeEach
    void hostSecret() throws IOException {
        secretDir = work.resolve("host-data");
        Files.createDirectories(secretDir.resolve("signing"));
        secret = "extfarm-host-secret-" + UUID.randomUUID();
        Files.writeString(secretDir.resolve("admin-token"), secret + "\n");
        Files.writeString(secretDir.resolve("signing/farm.jwk"), "{\"d\":\"" + secret + "\"}\n");
        Files.writeString(secretDir.resolve("COPYING"), secret + "\n");
    }

    int builds;

    BuildOutcome build(String preBuild, Optional<String> testSql, List<String> log) throws Exception {
        Path dir = Files.createDirectories(work.resolve("build-" + ++builds));
        Path src = Sources.tarball("hello_c", dir, "hello_c-1.0", d -> { });
        BuildJob job = BuildPipelineTest.job("hello_c", src, List.of(), Optional.of(preBuild), List.of(), testSql);
        BuildPipelineTest.lastLog = log;
        return new BuildPipeline(BuildPipelineTest.docker, BuildLimits.DEFAULT).run(job, BuildPipelineTest.images,
                dir.resolve("w"), new BuildLog(log::add));
    }

    /** The extension directory of the install tree, as pre_build sees it. */
    static final String EXT = "D=/out/install/usr/share/postgresql/$EXTFARM_PG_MAJOR/extension; mkdir -p $D; ";

    @Test
    void licensesReplacedByALinkToAHostDirectory() throws Exception {
        assertEscapes("rm -rf /out/licenses; ln -s " + secretDir + " /out/licenses", "/out/licenses");
    }

    @Test
    void licensesReplacedByALinkThroughProcSelfCwd() throws Exception {
        // the exploit: the worker's working directory, seen through the reader's own /proc entry
        assertEscapes("rm -rf /out/licenses; ln -s /proc/self/cwd/" + Path.of("").toAbsolutePath().relativize(secretDir)
                + " /out/licenses", "/out/licenses");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            // an absolute link to a host file, as an SQL script and as a control file
            "absolute:" + EXT + "ln -s SECRET/admin-token $D/hello_c--0.9.sql",
            "control:" + EXT + "ln -s SECRET/admin-token $D/evil.control",
            // a relative link that climbs out of the output
            "dotdot:" + EXT + "ln -s ../../../../../../../../../../../../../../../..SECRET/signing/farm.jwk $D/evil.sql",
            // a link to /proc in a license file
            "proc:ln -s /proc/self/environ /out/licenses/LICENSE.env",
            // a symbolic link as a parent directory: make install writes through it inside the container
            "parent:mkdir -p /out/install/usr/lib/postgresql/$EXTFARM_PG_MAJOR; ln -s /tmp /out/install/usr/lib/postgresql/$EXTFARM_PG_MAJOR/lib",
            // the whole install tree a link (to a directory that exists on both sides, so make install succeeds)
            "install:ln -s /tmp /out/install",
    })
    void aLinkPlantedInTheOutputFailsAtCollect(String attack) throws Exception {
        String[] p = attack.split(":", 2);
        String entry = switch (p[0]) {
            case "absolute" -> "hello_c--0.9.sql";
            case "control", "dotdot" -> "evil.";
            case "proc" -> "/out/licenses/LICENSE.env";
            case "parent" -> "/lib";
            default -> "/out/install";
        };
        assertEscapes(p[1].replace("SECRET", secretDir.toString()), entry);
    }

    @Test
    void aHardLinkFailsAtCollectAndOneToAFileOutsideCannotBeMade() throws Exception {
        List<String> log = assertEscapes(EXT + "echo 'SELECT 1;' > /out/install/planted.sql; ln /out/install/planted.sql $D/hello_c--0.9.sql; "
                + "ln /job/build.sh /out/install/build.sh 2>&1 || echo 'hard link across the mount: refused by the kernel'", "hello_c--0.9.sql");
        assertThat(log).contains("hard link across the mount: refused by the kernel");
    }

    @Test
    void aFifoFailsAtCollectInsteadOfBlockingTheWorker() throws Exception {
        assertEscapes(EXT + "mkfifo $D/hello_c--0.9.sql", "hello_c--0.9.sql");
        assertEscapes("mkfifo /out/licenses/LICENSE.fifo", "LICENSE.fifo");
    }

    @Test
    void aControlFileThatDoesNotParseIsTheRecipesFailure() throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build(EXT + "echo 'this is not a control file' > $D/junk.control", Optional.empty(), log);
        BuildPipelineTest.assertFailure(o, Step.COLLECT, "invalid-control-file", BuildFailure.Responsibility.RECIPE);
        assertThat(o.failure().get().message()).contains("junk.control");
    }

    @Test
    void theSmokeTestRunsTheModuleAsNonRootWithoutCapabilities() throws Exception {
        // The test SQL runs in the backend that loaded the module: its own /proc/self/status tells.
        String sql = """
                CREATE TEMP TABLE status AS SELECT regexp_split_to_table(pg_read_file('/proc/self/status'), E'\\n') AS line;
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM status WHERE line ~ '^CapEff:\\s+0+$') THEN RAISE 'effective capabilities'; END IF;
                  IF NOT EXISTS (SELECT FROM status WHERE line ~ '^CapBnd:\\s+0+$') THEN RAISE 'bounding set is not empty'; END IF;
                  IF NOT EXISTS (SELECT FROM status WHERE line ~ '^NoNewPrivs:\\s+1$') THEN RAISE 'no-new-privileges is off'; END IF;
                  IF EXISTS (SELECT FROM status WHERE line ~ '^Uid:\\s+0\\s') THEN RAISE 'runs as root'; END IF;
                END $$;
                SELECT hello_c();
                """;
        List<String> log = new ArrayList<>();
        // links inside the tree are fine: one alias of the install script, collected as a link
        BuildOutcome o = build(EXT + "ln -s hello_c--1.0.sql $D/hello_c--0.9--1.0.sql", Optional.of(sql), log);
        assertThat(o.failure()).as(String.join("\n", log)).isEmpty();
        String who = log.stream().filter(l -> l.startsWith("##[extfarm] smoke test as ")).findFirst().orElseThrow();
        assertThat(who).doesNotContain("(uid 0)").contains("CapEff: 0000000000000000", "CapBnd: 0000000000000000", "NoNewPrivs: 1");
        VerifiedBundle v;
        try (InputStream in = Files.newInputStream(o.bundleFile().orElseThrow())) {
            v = BundleReader.withDefaults().verify(in);
        }
        assertThat(v.manifest().files()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("share/extension/hello_c--0.9--1.0.sql");
            assertThat(f.isSymlink()).isTrue();
            assertThat(f.link()).isEqualTo("hello_c--1.0.sql");
        });
    }

    List<String> assertEscapes(String preBuild, String entry) throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build(preBuild, Optional.empty(), log);
        o.failure().ifPresent(f -> System.out.println("[" + f.step().id() + "] " + f.cause() + ": " + f.message()));
        BuildPipelineTest.assertFailure(o, Step.COLLECT, "output-escape", BuildFailure.Responsibility.RECIPE);
        assertThat(o.failure().get().message()).as("names the entry").contains(entry);
        assertThat(o.bundleFile()).isEmpty();
        assertNoSecretUnder(work.resolve("build-" + builds));
        return log;
    }

    /** Every regular file under {@code dir} (links not followed), bundle and collected tree included. */
    void assertNoSecretUnder(Path dir) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                byte[] b = Files.readAllBytes(f);
                assertThat(indexOf(b, needle)).as("host secret in " + f).isNegative();
            }
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
