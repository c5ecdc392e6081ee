package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.fetcher.report.FetchException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 21, item 14: {@code extfarm fetch <command> --help} prints that command's help and exits 0
 * (it used to exit 2, "--help needs a value"), and a failure shown to a person carries its
 * documented error code ({@code file-conflict: ...} on the command line, {@code error_code} in
 * {@code GET /status}).
 */
class CommandLineHelpAndCodesTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FetcherMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "serve", "install", "status", "recover"})
    void eachCommandPrintsItsHelpAndExitsZero(String command) {
        for (List<String> args : List.of(List.of(command, "--help"), List.of(command, "-h"),
                List.of(command, "--spec-file", "spec.json", "--help"))) {
            Run r = run(args.toArray(String[]::new));
            assertThat(r.code()).as(args + ": " + r.err()).isZero();
            assertThat(r.out()).as(String.valueOf(args)).startsWith("usage: extfarm fetch " + command);
            assertThat(r.err()).isEmpty();
        }
        Run r = run(command, "--help");
        if (command.equals("status")) {
            assertThat(r.out()).contains("--listen").contains("--socket");
        } else {
            assertThat(r.out()).contains("--spec-file").contains("--pg-config").contains("--trusted-keys").contains("--state-dir");
        }
        if (command.equals("install")) {
            assertThat(r.out()).contains("NAME...").contains("--wait");
        }
    }

    @Test
    void theTopLevelHelpStillExitsZeroAndAnUnknownCommandTwo() {
        assertThat(run("--help").code()).isZero();
        assertThat(run("--help").out()).contains("extfarm fetch <command> --help");
        assertThat(run("frobnicate", "--help").code()).isEqualTo(2);
        assertThat(run().code()).isEqualTo(2);
    }

    @Test
    void aFileConflictIsReportedWithItsCodeOnTheCommandLineAndInTheStatus() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "alpha").file("share/extension/shared_helper.sql", "-- alpha's\n").pack());
            registry.publish(Bundles.sql(tmp, "beta").file("share/extension/shared_helper.sql", "-- beta's\n").pack());
            Path spec = Files.write(tmp.resolve("spec.json"), registry.specJson());
            String keys = registry.keysFile(tmp).toString();
            String[] common = {"--spec-file", spec.toString(), "--pg-config", node.pg.pgConfig().toString(), "--trusted-keys", keys,
                    "--state-dir", node.state.toString(), "--progress", "plain"};
            Run first = run(concat(new String[]{"install", "alpha"}, common));
            assertThat(first.code()).as(first.err()).isZero();

            Run second = run(concat(new String[]{"install", "beta"}, common));
            assertThat(second.code()).isEqualTo(1);
            assertThat(second.err()).contains("extfarm fetch: file-conflict: ").contains("shared_helper.sql is installed by bundle 'alpha'");

            Fetcher f = node.fetcher(registry);
            f.prepare();
            try {
                f.requestExtension("beta", Duration.ofSeconds(30));
            } catch (FetchException expected) {
                assertThat(expected.code()).isEqualTo("file-conflict");
            }
            Map<String, Object> beta = bundle(f.status(), "beta");
            assertThat(beta.get("state")).isEqualTo("failed");
            assertThat(beta.get("error_code")).isEqualTo("file-conflict");
            assertThat((String) beta.get("error")).startsWith("file-conflict: ").contains("shared_helper.sql");
            assertThat(node.log()).contains("failed: file-conflict: ");
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> bundle(Map<String, Object> status, String name) {
        return ((List<Map<String, Object>>) status.get("bundles")).stream().filter(b -> name.equals(b.get("name"))).findFirst().orElseThrow();
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
