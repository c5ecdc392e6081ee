package dev.extfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `extfarm completion bash`, sourced in a real bash that is asked to complete partial command lines. */
class CompletionTest {

    /** Calls the function the script registered with `complete -F`, as bash does on TAB. */
    static final String HARNESS = """
            source "$1"
            fn=$(complete -p extfarm | sed -E 's/.* -F ([^ ]+) .*/\\1/')
            comp() {
              COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
              "$fn" extfarm "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}" 2>/dev/null
              echo "$* => ${COMPREPLY[*]}"
            }
            comp extfarm rec
            comp extfarm recipe in
            comp extfarm builds --fa
            comp extfarm config s
            """;

    @Test
    void bashCompletesCommandsSubcommandsAndOptions(@TempDir Path dir) throws Exception {
        CliRun.Result r = CliRun.run("completion", "bash");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F");
        Path script = Files.writeString(dir.resolve("extfarm-completion.bash"), r.out());
        Path harness = Files.writeString(dir.resolve("harness.bash"), HARNESS);

        Process bash = new ProcessBuilder("bash", harness.toString(), script.toString()).redirectErrorStream(true).start();
        assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.exitValue()).as(out).isZero();
        assertThat(out).contains("extfarm rec => recipe\n")
                .contains("extfarm recipe in => init\n")
                .contains("extfarm builds --fa => --failed\n")
                .contains("extfarm config s => set\n");
    }

    @Test
    void anotherShellIsAUsageError() {
        CliRun.Result r = CliRun.run("completion", "fish");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("only bash");
    }
}
