package dev.extfarm.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.CliRun;
import dev.extfarm.cli.CliRun.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `extfarm config` on a temporary XDG_CONFIG_HOME. */
class ConfigCommandTest {

    @TempDir
    Path xdg;

    Result run(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_CONFIG_HOME", xdg.toString());
        env.put("EXTFARM_PROFILE", null);
        env.put("EXTFARM_TOKEN", null);
        env.put("EXTFARM_REGISTRY", null);
        return CliRun.withEnv(env, args);
    }

    Path file() {
        return xdg.resolve("extfarm/config");
    }

    @Test
    void setWritesAPrivateFileThatGetAndListRead() throws Exception {
        assertThat(run("config", "path").out().strip()).isEqualTo(file().toString());
        assertThat(run("config", "set", "registry", "http://127.0.0.1:7790").code()).isZero();
        assertThat(run("config", "set", "token", "efa_secretsecretsecret").code()).isZero();
        assertThat(run("config", "set", "registry", "https://staging.example.org", "--profile", "staging").code()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent()))).isEqualTo("rwx------");
        assertThat(Files.readString(file())).contains("registry=http://127.0.0.1:7790\n")
                .contains("staging.registry=https://staging.example.org\n");

        assertThat(run("config", "get", "registry").out().strip()).isEqualTo("http://127.0.0.1:7790");
        assertThat(run("config", "get", "registry", "--profile", "staging").out().strip()).isEqualTo("https://staging.example.org");
        Result unset = run("config", "get", "token", "--profile", "staging");
        assertThat(unset.code()).isEqualTo(1);
        assertThat(unset.err()).contains("staging.token is not set");

        Result list = run("config", "list");
        assertThat(list.out()).contains("registry=http://127.0.0.1:7790").contains("token=efa_secr…").doesNotContain("secretsecret");
        assertThat(run("config", "list", "--output", "json").out()).contains("\"values\"").contains("\"token\" : \"efa_secr…\"");

        // Setting again replaces the line; unset removes it; comments stay.
        Files.writeString(file(), "# my notes\n" + Files.readString(file()));
        run("config", "set", "registry", "http://127.0.0.1:7791");
        run("config", "unset", "token");
        String text = Files.readString(file());
        assertThat(text).contains("# my notes").contains("registry=http://127.0.0.1:7791").doesNotContain("7790")
                .doesNotContain("token=");
    }

    @Test
    void badKeysAndValuesAreRefusedAndChangeNothing() throws Exception {
        run("config", "set", "registry", "http://127.0.0.1:7790");
        String before = Files.readString(file());
        Result badKey = run("config", "set", "regsitry", "http://x");
        assertThat(badKey.code()).isEqualTo(1);
        assertThat(badKey.err()).contains("unknown key 'regsitry' (known: registry, token)");
        Result badUrl = run("config", "set", "registry", "ftp://x");
        assertThat(badUrl.code()).isEqualTo(1);
        assertThat(badUrl.err()).contains("must be an http or https URL");
        Result badProfile = run("config", "set", "registry", "http://x.org", "--profile", "Bad Profile");
        assertThat(badProfile.code()).isEqualTo(1);
        assertThat(Files.readString(file())).isEqualTo(before);
    }

    @Test
    void aWorldReadableFileWithATokenIsRefusedAndAGroupReadableOneWarnedAbout() throws Exception {
        run("config", "set", "token", "efa_secretsecretsecret");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));
        Result refused = run("config", "get", "token");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("holds a token and every user of this machine can read it (mode 0644)")
                .contains("chmod 600 " + file());
        assertThat(refused.out()).doesNotContain("secret");
        // A command that would send the token refuses too, before sending anything.
        Result builds = run("builds", "--registry", "http://127.0.0.1:9");
        assertThat(builds.code()).isEqualTo(1);
        assertThat(builds.err()).contains("every user of this machine can read it");

        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r-----"));
        Result warned = run("config", "get", "token");
        assertThat(warned.code()).isZero();
        assertThat(run("config", "list").err()).contains("warning: ").contains("its group can read it (mode 0640)");

        // Without a token, a readable file is fine.
        run("config", "unset", "token");
        run("config", "set", "registry", "http://127.0.0.1:7790");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(run("config", "get", "registry").code()).isZero();
    }

    @Test
    void aRelativeXdgConfigHomeIsIgnoredAsTheSpecSays() {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_CONFIG_HOME", "relative/dir");
        env.put("HOME", xdg.toString());
        assertThat(CliRun.withEnv(env, "config", "path").out().strip()).isEqualTo(xdg.resolve(".config/extfarm/config").toString());
    }
}
