package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.recipe.BuildSystem;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Libraries without a control file (issue 22 item 7): a logical decoding output plugin built for
 * real becomes a library bundle (manifest {@code extensions} empty, {@code libraries} its module),
 * the smoke test LOADs it and the recipe's test does one decoding round trip with
 * {@code wal_level = logical} from {@code test.settings}; a module that does not load fails the
 * smoke test naming the LOAD. The real preload-only module (pgextwlist) is in recipes/ and built
 * by RealRecipesBuildTest.
 */
class LibraryBundlesTest {

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        BuildPipelineTest.images();
    }

    static BuildJob job(Path source, String sql, Map<String, String> settings) throws Exception {
        String sha;
        try (InputStream in = Files.newInputStream(source)) {
            sha = Digests.sha256(in);
        }
        return new BuildJob("hello_decoder", "1.0", BuildPipelineTest.images.pgMajor(), "PostgreSQL", source, sha, Optional.empty(),
                List.of(), List.of(), Map.of(), Optional.empty(), List.of(), List.of(), false, false, true, Optional.of(sql),
                List.of(), "0".repeat(64), 1_700_000_000L, Optional.empty(), settings, Optional.empty());
    }

    @Test
    void anOutputPluginIsALibraryBundleThatDecodesARoundTrip() throws Exception {
        Path src = Sources.tarball("hello_decoder", work, "hello_decoder-1.0", d -> { });
        BuildJob job = job(src, """
                SELECT 'created' FROM pg_create_logical_replication_slot('smoke', 'hello_decoder');
                CREATE TABLE t(i int);
                INSERT INTO t VALUES (1), (2);
                DELETE FROM t WHERE i = 1;
                SELECT string_agg(data, ',' ORDER BY lsn) = 'insert t,insert t,delete t' AS decoded
                  FROM pg_logical_slot_get_changes('smoke', NULL, NULL);
                """, Map.of("wal_level", "logical", "max_replication_slots", "4",
                // the 2026-08 minors (15.19, 17.11, 18.6) load only the output plugins this allow-list names
                "output_plugin_libraries", "pgoutput, test_decoding, hello_decoder"));
        List<String> log = new ArrayList<>();
        BuildOutcome o = new BuildPipeline(BuildPipelineTest.docker, BuildLimits.DEFAULT).run(job, BuildPipelineTest.images,
                work.resolve("w"), new BuildLog(log::add));
        assertThat(o.failure()).as(BuildSystemsTest.log(log)).isEmpty();
        assertThat(log).contains("LOAD 'hello_decoder'", "t");
        VerifiedBundle v;
        try (InputStream in = Files.newInputStream(o.bundleFile().orElseThrow())) {
            v = BundleReader.withDefaults().verify(in);
        }
        assertThat(v.manifest().extensions()).isEmpty();
        assertThat(v.manifest().libraries()).containsExactly("hello_decoder");
        assertThat(v.controlFiles()).isEmpty();
    }

    @Test
    void aModuleThatDoesNotLoadFailsTheSmokeTestAtItsLoad() throws Exception {
        Path src = Sources.tarball("hello_decoder", work, "hello_decoder-1.0", d -> { });
        // built by a script without PostgreSQL's magic block: the server refuses to load it
        BuildJob job = job(src, "SELECT true;", Map.of()).withCommands(new BuildCommands(BuildSystem.SCRIPT, List.of(), List.of(),
                List.of("echo 'int hello_decoder_nothing(void) { return 0; }' > nomagic.c",
                        "gcc -fPIC -shared $CFLAGS -o hello_decoder.so nomagic.c"),
                List.of("install -D -m 0755 hello_decoder.so \"$DESTDIR$($PG_CONFIG --pkglibdir)/hello_decoder.so\"")));
        List<String> log = new ArrayList<>();
        BuildOutcome o = new BuildPipeline(BuildPipelineTest.docker, BuildLimits.DEFAULT).run(job, BuildPipelineTest.images,
                work.resolve("w"), new BuildLog(log::add));
        assertThat(o.failure()).as(BuildSystemsTest.log(log)).isPresent();
        assertThat(o.failure().get().step()).isEqualTo(Step.SMOKE_TEST);
        assertThat(o.failure().get().cause()).isEqualTo("smoke-test-failed");
        assertThat(o.failure().get().message()).contains("LOAD 'hello_decoder' failed").contains("magic block");
    }
}
