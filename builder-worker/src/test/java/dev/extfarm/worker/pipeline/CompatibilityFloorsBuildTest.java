package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.Compatibility;
import dev.extfarm.bundle.VerifiedBundle;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23: a real build records its compatibility floors in manifest.json, and each agrees with
 * what binutils and the build image say on their own: {@code built_against} with the image's
 * {@code pg_config --version}, {@code server_symbols} with {@code nm -D} of the module against
 * {@code nm -D} of the image's {@code postgres}, {@code glibc} with {@code readelf -V}. The module
 * calls {@code getrandom} (glibc 2.25) besides the server functions hello_c calls.
 */
class CompatibilityFloorsBuildTest {

    @TempDir
    Path work;

    @BeforeAll
    static void images() throws Exception {
        BuildPipelineTest.images();
    }

    @Test
    void aRealBuildRecordsItsFloorsAsBinutilsSeeThem() throws Exception {
        Path src = Sources.tarball("hello_c", work, "hello_c-1.0", d -> Files.writeString(d.resolve("hello_c.c"),
                Files.readString(d.resolve("hello_c.c")).replace("#include \"utils/builtins.h\"",
                        "#include \"utils/builtins.h\"\n#include <sys/random.h>\n"
                                + "PG_FUNCTION_INFO_V1(hello_random);\nDatum hello_random(PG_FUNCTION_ARGS) {\n"
                                + "    int32 v = 0;\n    if (getrandom(&v, sizeof v, 0) < 0) elog(ERROR, \"getrandom failed\");\n"
                                + "    PG_RETURN_INT32(v);\n}\n")));
        BuildJob job = BuildPipelineTest.job("hello_c", src, List.of(), Optional.empty(), List.of(), Optional.of("SELECT hello_c();"));
        List<String> log = new ArrayList<>();
        Path w = work.resolve("w");
        BuildOutcome o = new BuildPipeline(BuildPipelineTest.docker, BuildLimits.DEFAULT).run(job, BuildPipelineTest.images, w,
                new BuildLog(log::add));
        assertThat(o.failure()).as(String.join("\n", log)).isEmpty();
        VerifiedBundle v;
        try (InputStream in = Files.newInputStream(o.bundleFile().orElseThrow())) {
            v = BundleReader.withDefaults().verify(in);
        }
        Compatibility floors = v.manifest().compatibility();
        assertThat(floors).as("manifest.json records the floors").isNotNull();

        // built_against: the build image's own pg_config
        String image = BuildPipelineTest.images.buildImage();
        int major = BuildPipelineTest.images.pgMajor();
        String version = inImage(image, "/usr/lib/postgresql/" + major + "/bin/pg_config --version").get(0);
        assertThat(version).startsWith("PostgreSQL " + floors.builtAgainst() + " ");

        // server_symbols: the module's unversioned imports that the image's postgres exports (nm, not our reader)
        Set<String> exported = new TreeSet<>();
        for (String l : inImage(image, "nm -D --defined-only /usr/lib/postgresql/" + major + "/bin/postgres")) {
            String[] f = l.strip().split("\\s+");
            exported.add(f[f.length - 1]);
        }
        Path module = w.resolve("tree/lib/hello_c.so");
        Set<String> expected = new TreeSet<>();
        for (String l : host("nm", "-D", "--undefined-only", module.toString())) {
            String[] f = l.strip().split("\\s+");
            if (f.length == 2 && f[0].equals("U") && !f[1].contains("@") && exported.contains(f[1])) {
                expected.add(f[1]);
            }
        }
        assertThat(floors.serverSymbols()).isEqualTo(List.copyOf(expected))
                .contains("cstring_to_text", "errfinish").doesNotContain("getrandom", "memcpy");

        // glibc: the newest GLIBC_ version readelf lists among the module's version needs
        Pattern glibc = Pattern.compile("Name: (GLIBC_[0-9.]+)");
        List<String> needed = new ArrayList<>();
        for (String l : host("readelf", "-V", "--wide", module.toString())) {
            Matcher m = glibc.matcher(l);
            if (m.find()) {
                needed.add(m.group(1));
            }
        }
        assertThat(needed).contains("GLIBC_2.25");
        assertThat(floors.glibc()).isEqualTo(needed.stream().max(Compatibility.GLIBC_ORDER).orElseThrow());
        assertThat(log).anyMatch(l -> l.startsWith("##[extfarm] floors: built against PostgreSQL " + floors.builtAgainst()));
    }

    private static List<String> inImage(String image, String command) throws Exception {
        List<String> lines = new ArrayList<>();
        DockerCli.Result r = BuildPipelineTest.docker.run(List.of("--network", "none"), image, List.of("sh", "-c", command),
                Duration.ofMinutes(2), lines::add);
        assertThat(r.exitCode()).as(String.join("\n", lines)).isZero();
        return lines;
    }

    private static List<String> host(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
