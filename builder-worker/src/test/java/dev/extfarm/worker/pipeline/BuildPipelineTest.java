package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.VerifiedBundle;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real builds on the local Docker engine with the farm's own images (target from
 * {@code extfarm.test.target}, default bookworm-pg15): one success, and one fixture per failure
 * cause no real extension gives us, each asserting the exact step and cause.
 */
class BuildPipelineTest {

    static final String TARGET = System.getProperty("extfarm.test.target", "bookworm-pg15");
    static BuildImages images;
    static final DockerCli docker = new DockerCli();

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        images = TestImages.resolve(TARGET);
    }

    static BuildJob job(String name, Path source, List<Map.Entry<String, byte[]>> patches, Optional<String> preBuild,
                        List<String> buildPackages, Optional<String> testSql) throws Exception {
        String sha;
        try (InputStream in = Files.newInputStream(source)) {
            sha = Digests.sha256(in);
        }
        return new BuildJob(name, "1.0", images.pgMajor(), "PostgreSQL", source, sha, Optional.empty(), patches,
                List.of(), Map.of("HELLO_ENV", "from-recipe"), preBuild, buildPackages, List.of(), false, false, true,
                testSql, List.of(), "0".repeat(64), 1_700_000_000L);
    }

    static List<String> lastLog = List.of();

    BuildOutcome build(BuildJob job, BuildLimits limits, List<String> lines) throws Exception {
        lastLog = lines;
        return new BuildPipeline(docker, limits).run(job, images, work.resolve("w-" + job.name()), new BuildLog(lines::add));
    }

    @Test
    void aCExtensionBuildsLoadsAndIsReproducible() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        BuildJob job = job("hello_c", src, List.of(), Optional.of("echo \"pre-build as $(id -un) with HELLO_ENV=$HELLO_ENV\""),
                List.of(), Optional.of("SELECT hello_c();"));
        List<String> log = new ArrayList<>();
        BuildOutcome first = build(job, BuildLimits.DEFAULT, log);
        assertThat(first.failure()).as(String.join("\n", log)).isEmpty();
        assertThat(log).contains("pre-build as builder with HELLO_ENV=from-recipe");
        assertThat(log).anyMatch(l -> l.contains("hello from C"));

        VerifiedBundle v;
        try (InputStream in = Files.newInputStream(first.bundleFile().orElseThrow())) {
            v = BundleReader.withDefaults().verify(in);
        }
        assertThat(v.manifest().extensions()).containsExactly("hello_c");
        assertThat(v.manifest().libraries()).containsExactly("hello_c");
        assertThat(v.manifest().platform().id()).isEqualTo(images.platform());
        assertThat(v.manifest().build().builderImage()).isEqualTo(images.packagesDigest());
        assertThat(v.manifest().licenses()).containsExactly("licenses/hello_c/LICENSE");
        assertThat(new String(v.controlFiles().get("hello_c"), StandardCharsets.UTF_8)).contains("module_pathname = 'hello_c'");
        assertThat(first.stepMillis()).containsKeys(Step.BUILD, Step.INSTALL, Step.SMOKE_TEST, Step.PACK);

        BuildOutcome second = new BuildPipeline(docker, BuildLimits.DEFAULT).run(job, images, work.resolve("again"), new BuildLog(l -> { }));
        assertThat(second.packed().orElseThrow().sha256()).as("the same job built twice").isEqualTo(first.packed().orElseThrow().sha256());
    }

    @Test
    void aPatchThatDoesNotApplyIsReportedAsPatchRejected() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        String patch = "--- a/hello_c.c\n+++ b/hello_c.c\n@@ -1,3 +1,3 @@\n-#include \"nothere.h\"\n+#include \"other.h\"\n #include \"fmgr.h\"\n";
        BuildOutcome o = build(job("hello_c", src, List.of(Map.entry("bad.patch", patch.getBytes())), Optional.empty(), List.of(), Optional.empty()),
                BuildLimits.DEFAULT, new ArrayList<>());
        assertFailure(o, Step.PATCH, "patch-rejected", BuildFailure.Responsibility.RECIPE);
    }

    @Test
    void aCompileErrorIsUpstreams() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> Files.writeString(d.resolve("hello_c.c"), "this is not C;\n", java.nio.file.StandardOpenOption.APPEND));
        BuildOutcome o = build(job("hello_c", src, List.of(), Optional.empty(), List.of(), Optional.empty()), BuildLimits.DEFAULT, new ArrayList<>());
        assertFailure(o, Step.BUILD, "compile-error", BuildFailure.Responsibility.UPSTREAM);
    }

    @Test
    void aMissingHeaderIsAMissingBuildDependency() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> {
            String c = Files.readString(d.resolve("hello_c.c"));
            Files.writeString(d.resolve("hello_c.c"), "#include <extfarm_no_such_library.h>\n" + c);
        });
        BuildOutcome o = build(job("hello_c", src, List.of(), Optional.empty(), List.of(), Optional.empty()), BuildLimits.DEFAULT, new ArrayList<>());
        assertFailure(o, Step.BUILD, "missing-build-dependency", BuildFailure.Responsibility.RECIPE);
        assertThat(o.failure().orElseThrow().message()).contains("extfarm_no_such_library.h");
    }

    @Test
    void aLibraryThatCannotBeFoundOrBundledIsAMissingRuntimeLibrary() throws Exception {
        // The module links a private library built in pre_build; nothing installs it, so at run time it would be missing.
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> {
            Files.writeString(d.resolve("Makefile"),
                    Files.readString(d.resolve("Makefile")).replace("MODULES = hello_c", "MODULE_big = hello_c\nOBJS = hello_c.o\nSHLIB_LINK = -L. -lextfarmhelper"));
            Files.writeString(d.resolve("hello_c.c"), Files.readString(d.resolve("hello_c.c"))
                    .replace("PG_MODULE_MAGIC;", "PG_MODULE_MAGIC;\nextern int extfarm_helper(void);\nint extfarm_use(void) { return extfarm_helper(); }"));
        });
        String pre = "printf 'int extfarm_helper(void){return 1;}' > h.c && gcc -shared -fPIC -Wl,-soname,libextfarmhelper.so.1 -o libextfarmhelper.so h.c";
        BuildOutcome o = build(job("hello_c", src, List.of(), Optional.of(pre), List.of(), Optional.empty()), BuildLimits.DEFAULT, new ArrayList<>());
        assertFailure(o, Step.BUNDLE_LIBS, "missing-runtime-library", BuildFailure.Responsibility.RECIPE);
    }

    @Test
    void aPreBuildThatTriesTheNetworkFailsAndRanAsNonRoot() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        String pre = "echo \"running as uid $(id -u)\"; exec 3<>/dev/tcp/deb.debian.org/80";
        List<String> log = new ArrayList<>();
        BuildOutcome o = build(job("hello_c", src, List.of(), Optional.of(pre), List.of(), Optional.empty()), BuildLimits.DEFAULT, log);
        assertFailure(o, Step.PRE_BUILD, "network-access", BuildFailure.Responsibility.RECIPE);
        assertThat(log).contains("running as uid 1000");
    }

    @Test
    void aBuildPastItsWallTimeIsATimeout() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        BuildOutcome o = build(job("hello_c", src, List.of(), Optional.of("sleep 120"), List.of(), Optional.empty()),
                BuildLimits.DEFAULT.withWallTime(Duration.ofSeconds(8)), new ArrayList<>());
        assertFailure(o, Step.PRE_BUILD, "timeout", BuildFailure.Responsibility.RECIPE);
    }

    @Test
    void aBuildOverItsMemoryLimitIsOutOfMemory() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        // tail buffers the whole newline-free stream in memory until the cgroup kills it.
        BuildOutcome o = build(job("hello_c", src, List.of(), Optional.of("head -c 2000000000 /dev/zero | tail -n 1 >/dev/null"), List.of(), Optional.empty()),
                BuildLimits.DEFAULT.withMemory(200L << 20), new ArrayList<>());
        assertFailure(o, Step.PRE_BUILD, "out-of-memory", BuildFailure.Responsibility.RECIPE);
    }

    @Test
    void aWrongSourceChecksumStopsBeforeAnythingRuns() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> { });
        BuildJob good = job("hello_c", src, List.of(), Optional.empty(), List.of(), Optional.empty());
        BuildJob bad = new BuildJob(good.name(), good.version(), good.pgMajor(), good.license(), good.sourceArchive(), "f".repeat(64),
                good.subdir(), good.patches(), good.makeFlags(), good.env(), good.preBuild(), good.buildPackages(), good.runtimePackages(),
                false, false, true, Optional.empty(), List.of(), good.recipeRevision(), good.sourceDateEpoch());
        assertFailure(build(bad, BuildLimits.DEFAULT, new ArrayList<>()), Step.VERIFY_SOURCE, "checksum-mismatch", BuildFailure.Responsibility.RECIPE);
    }

    static void assertFailure(BuildOutcome o, Step step, String cause, BuildFailure.Responsibility who) {
        assertThat(o.failure()).as("the build should fail").isPresent();
        BuildFailure f = o.failure().get();
        assertThat(f.step()).as(f + "\n" + String.join("\n", lastLog)).isEqualTo(step);
        assertThat(f.cause()).as(f.toString()).isEqualTo(cause);
        assertThat(f.responsibility()).as(f.toString()).isEqualTo(who);
    }
}
