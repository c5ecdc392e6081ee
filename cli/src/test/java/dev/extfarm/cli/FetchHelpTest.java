package dev.extfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code extfarm fetch <command> --help} prints the command's help and exits 0 (issue 21, item 14: it exited 2). */
class FetchHelpTest {

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "serve", "install", "status", "recover"})
    void everyFetchCommandHasAHelpThatExitsZero(String command) {
        CliRun.Result r = CliRun.run("fetch", command, "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("usage: extfarm fetch " + command);
        assertThat(r.err()).doesNotContain("needs a value");
    }
}
