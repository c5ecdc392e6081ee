package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.recipe.BuildSystem;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * build.system autoconf, cmake and script, built for real (Docker, the farm's images), each in the
 * sandbox PGXS builds use. The recipe is hostile: arguments that would run commands if anything
 * passed them through a shell arrive verbatim, an RPATH into /tmp ends up as RUNPATH $ORIGIN, and
 * a script that plants a link to /etc/shadow as a program, writes outside /out/install or reaches
 * for the network fails with the cause a packager can act on. The real upstream projects
 * (timescaledb with CMake, repmgr with configure) are in recipes/ and built by RealRecipesBuildTest.
 */
class BuildSystemsTest {

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        BuildPipelineTest.images();
    }

    BuildOutcome build(String fixture, BuildCommands commands, String testSql, List<String> log) throws Exception {
        return run(job(fixture, commands, testSql), log);
    }

    BuildJob job(String fixture, BuildCommands commands, String testSql) throws Exception {
        Path src = Sources.tarball(fixture, work, fixture + "-1.0", d -> d.resolve("configure").toFile().setExecutable(true));
        return BuildPipelineTest.job(fixture, src, List.of(), Optional.empty(), List.of(), Optional.of(testSql))
                .withCommands(commands);
    }

    BuildOutcome run(BuildJob job, List<String> log) throws Exception {
        return new BuildPipeline(BuildPipelineTest.docker, BuildLimits.DEFAULT).run(job, BuildPipelineTest.images,
                work.resolve("w-" + job.name() + "-" + System.nanoTime()), new BuildLog(log::add));
    }

    static BuildCommands autoconf(String... args) {
        return new BuildCommands(BuildSystem.AUTOCONF, List.of(args), List.of(), List.of(), List.of());
    }

    static BuildCommands cmake(String... args) {
        return new BuildCommands(BuildSystem.CMAKE, List.of(), List.of(args), List.of(), List.of());
    }

    static BuildCommands script(List<String> build, List<String> install) {
        return new BuildCommands(BuildSystem.SCRIPT, List.of(), List.of(), build, install);
    }

    static String log(List<String> log) {
        return String.join("\n", log.subList(Math.max(0, log.size() - 80), log.size()));
    }

    /** Arguments a shell would expand, split or run: each must reach the program as one argv item, as written. */
    static final List<String> HOSTILE_ARGS = List.of(
            "--with-x=$(touch /out/install/pwned-dollar)",
            "--with-y=`touch /out/install/pwned-backtick`",
            "--with-z=a b'c\"d; touch /out/install/pwned-semicolon",
            "--enable-w=${HOME}|*");

    @Test
    void autoconfRunsConfigureWithTheRecipesArgumentsVerbatimThenPgxs() throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build("hello_ac", autoconf(HOSTILE_ARGS.toArray(String[]::new)), "SELECT hello_ac() = 'hello from C';", log);
        assertThat(o.failure()).as(log(log)).isEmpty();
        assertThat(log).contains("##[extfarm] step configure");
        Path tree = o.bundleFile().orElseThrow().getParent().resolve("tree");
        List<String> args = Files.readAllLines(tree.resolve("share/extension/configure.args"));
        assertThat(args.subList(0, HOSTILE_ARGS.size())).containsExactlyElementsOf(HOSTILE_ARGS);
        assertThat(args.get(HOSTILE_ARGS.size())).matches("PG_CONFIG=/usr/lib/postgresql/\\d+/bin/pg_config");
        assertThat(log).anyMatch(l -> l.startsWith("configure: CFLAGS=") && l.contains("-ffile-prefix-map=/build/src=."));
        assertNothingPwned(tree, log);
    }

    @Test
    void cmakeConfiguresBuildsAndInstallsWithDestdirAndTheBuildersRunpath() throws Exception {
        List<String> log = new ArrayList<>();
        String echo = "-DECHO_ARG=$(touch /out/install/pwned);a b\"c`id`";
        BuildOutcome o = build("hello_cm", cmake("-DCMAKE_BUILD_TYPE=RelWithDebInfo", echo), "SELECT hello_cm();", log);
        assertThat(o.failure()).as(log(log)).isEmpty();
        assertThat(log).contains("##[extfarm] step configure").anyMatch(l -> l.contains("hello from C"));
        Path tree = o.bundleFile().orElseThrow().getParent().resolve("tree");
        assertThat(Files.readString(tree.resolve("share/extension/cmake.args"))).isEqualTo(echo.substring("-DECHO_ARG=".length()) + "\n");
        // the project asked for RPATH /tmp: the bundle's module loads only what sits beside it
        assertThat(readelf(tree.resolve("lib/hello_cm.so"))).containsPattern("\\(RUNPATH\\)\\s+Library runpath: \\[\\$ORIGIN\\]")
                .doesNotContain("/tmp").doesNotContain("(RPATH)");
        // reproducible: no build path in the object (debug info included, RelWithDebInfo)
        assertThat(new String(Files.readAllBytes(tree.resolve("lib/hello_cm.so")), StandardCharsets.ISO_8859_1)).doesNotContain("/build/src");
        VerifiedBundle v;
        try (InputStream in = Files.newInputStream(o.bundleFile().orElseThrow())) {
            v = BundleReader.withDefaults().verify(in);
        }
        assertThat(v.manifest().extensions()).containsExactly("hello_cm");
        assertNothingPwned(tree, log);
    }

    /** Two builds of the same CMake job (build directory, absolute source paths and all) give the same bytes. */
    @Test
    void cmakeBuildsAreReproducible() throws Exception {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        BuildJob job = job("hello_cm", cmake("-DCMAKE_BUILD_TYPE=RelWithDebInfo"), "SELECT hello_cm();");
        BuildOutcome a = run(job, first);
        BuildOutcome b = run(job, second);
        assertThat(a.failure()).as(log(first)).isEmpty();
        assertThat(b.failure()).as(log(second)).isEmpty();
        assertThat(dev.extfarm.bundle.Digests.sha256(Files.readAllBytes(b.bundleFile().orElseThrow())))
                .isEqualTo(dev.extfarm.bundle.Digests.sha256(Files.readAllBytes(a.bundleFile().orElseThrow())));
    }

    @Test
    void scriptRunsTheRecipesCommandsWithDestdirAndTheBuildersRunpath() throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build("hello_sc", script(
                List.of("gcc -fPIC -shared -I\"$($PG_CONFIG --includedir-server)\" $CFLAGS $LDFLAGS -Wl,-rpath,/tmp -o hello_sc.so hello_sc.c"),
                List.of("install -D -m 0755 hello_sc.so \"$DESTDIR$($PG_CONFIG --pkglibdir)/hello_sc.so\"",
                        "d=\"$DESTDIR$($PG_CONFIG --sharedir)/extension\"\ninstall -D -m 0644 hello_sc.control \"$d/hello_sc.control\"\n"
                                + "install -m 0644 hello_sc--1.0.sql \"$d/\"")),
                "SELECT hello_sc();", log);
        assertThat(o.failure()).as(log(log)).isEmpty();
        assertThat(log).anyMatch(l -> l.contains("hello from C"));
        Path tree = o.bundleFile().orElseThrow().getParent().resolve("tree");
        assertThat(readelf(tree.resolve("lib/hello_sc.so"))).containsPattern("\\(RUNPATH\\)\\s+Library runpath: \\[\\$ORIGIN\\]")
                .doesNotContain("/tmp");
        assertThat(new String(Files.readAllBytes(tree.resolve("lib/hello_sc.so")), StandardCharsets.ISO_8859_1)).doesNotContain("/build/src");
    }

    @Test
    void aScriptThatInstallsALinkToEtcShadowAsAProgramFailsAtCollect() throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build("hello_sc", script(List.of("true"), List.of(
                "bin=\"$DESTDIR/usr/lib/postgresql/$EXTFARM_PG_MAJOR/bin\"; mkdir -p \"$bin\"",
                "ln -s /etc/shadow \"$DESTDIR/usr/lib/postgresql/$EXTFARM_PG_MAJOR/bin/pg_shadow\"")), "SELECT 1;", log);
        assertThat(o.failure()).as(log(log)).isPresent();
        assertThat(o.failure().get().step()).isEqualTo(Step.COLLECT);
        assertThat(o.failure().get().cause()).isEqualTo("output-escape");
        assertThat(o.failure().get().message()).contains("/bin/pg_shadow").contains("/etc/shadow");
    }

    @Test
    void aScriptThatWritesOutsideItsInstallDirectoryGetsNowhere() throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build("hello_sc", script(List.of(
                        // the job directory is read-only, the image's files are root's: both refused by the kernel
                        "if touch /job/planted 2>/dev/null; then echo WROTE-JOB; fi",
                        "if touch /usr/lib/postgresql/$EXTFARM_PG_MAJOR/lib/planted.so 2>/dev/null; then echo WROTE-IMAGE; fi"),
                List.of("echo pwned > /out/planted")), "SELECT 1;", log);
        assertThat(log).noneMatch(l -> l.equals("WROTE-JOB") || l.equals("WROTE-IMAGE"));
        assertThat(o.failure()).as(log(log)).isPresent();
        // /out/planted is not one of the names the export streams: never read, and nothing was installed
        assertThat(o.failure().get().step()).isEqualTo(Step.COLLECT);
        assertThat(o.failure().get().cause()).isEqualTo("nothing-installed");
        // /out is the build's own (the host's out/ holds its planted file, unread); the job directory and the tree have nothing
        try (Stream<Path> s = Files.walk(work)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("planted")).map(p -> p.getParent().getFileName().toString()))
                    .containsOnly("out");
        }
    }

    @Test
    void aScriptThatReachesForTheNetworkFailsWithNetworkAccess() throws Exception {
        List<String> log = new ArrayList<>();
        BuildOutcome o = build("hello_sc", script(List.of(
                "python3 -c \"import urllib.request; urllib.request.urlopen('https://deb.debian.org/debian/', timeout=10)\""),
                List.of("true")), "SELECT 1;", log);
        assertThat(o.failure()).as(log(log)).isPresent();
        assertThat(o.failure().get().step()).isEqualTo(Step.BUILD);
        assertThat(o.failure().get().cause()).isEqualTo("network-access");
    }

    @Test
    void aCmakeProjectThatDownloadsAtConfigureFailsWithNetworkAccess() throws Exception {
        List<String> log = new ArrayList<>();
        Path src = Sources.tarball("hello_cm", work, "hello_cm-1.0", d -> Files.writeString(d.resolve("CMakeLists.txt"),
                "cmake_minimum_required(VERSION 3.16)\nproject(dl LANGUAGES C)\n"
                        + "include(FetchContent)\nFetchContent_Declare(dep URL https://deb.debian.org/debian/dep.tar.gz)\n"
                        + "FetchContent_MakeAvailable(dep)\n"));
        BuildJob job = BuildPipelineTest.job("hello_cm", src, List.of(), Optional.empty(), List.of(), Optional.empty())
                .withCommands(cmake());
        BuildOutcome o = new BuildPipeline(BuildPipelineTest.docker, BuildLimits.DEFAULT).run(job, BuildPipelineTest.images,
                work.resolve("w-dl"), new BuildLog(log::add));
        assertThat(o.failure()).as(log(log)).isPresent();
        assertThat(o.failure().get().step()).isEqualTo(Step.CONFIGURE);
        assertThat(o.failure().get().cause()).isEqualTo("network-access");
    }

    /** An expanded argument would have created /out/install/pwned*: the collector logs it as not bundled. */
    private static void assertNothingPwned(Path tree, List<String> log) throws Exception {
        try (Stream<Path> s = Files.walk(tree)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("pwned"));
        }
        assertThat(log).noneMatch(l -> l.startsWith("##[extfarm] not bundled") && l.contains("pwned"));
    }

    static String readelf(Path f) throws Exception {
        Process p = new ProcessBuilder("readelf", "-d", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
