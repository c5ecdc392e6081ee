package dev.extfarm.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.CliRun;
import dev.extfarm.cli.Main;
import dev.extfarm.cli.RegistryProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real commands against a real registry started by the test. */
class AdminCommandsTest {

    static RegistryProcess registry;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.start();
    }

    @AfterAll
    static void stop() throws Exception {
        registry.close();
    }

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--registry";
        all[args.length + 1] = registry.base.toString();
        all[args.length + 2] = "--token";
        all[args.length + 3] = registry.adminToken;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void tokensAreCreatedOnceAndListedWithoutSecrets() {
        Result created = run("token", "create", "--role", "worker", "--label", "build-01");
        assertThat(created.code).as(created.err).isZero();
        String token = created.out.strip();
        assertThat(token).startsWith("efw_");
        Result list = run("token", "list");
        assertThat(list.out).contains("worker").contains("build-01").doesNotContain(token);
        Result json = run("token", "list", "--output", "json");
        assertThat(json.out.strip()).startsWith("[");
    }

    /** flag > environment > config file > default, each step checked against the real registry. */
    @Test
    void registryAndTokenComeFromFlagThenEnvironmentThenConfigFile(@TempDir Path xdg) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_CONFIG_HOME", xdg.toString());
        env.put("EXTFARM_REGISTRY", null);
        env.put("EXTFARM_TOKEN", null);
        env.put("EXTFARM_PROFILE", null);
        env.put("EXTFARM_DATA_DIR", xdg.resolve("no-quickstart").toString());
        // The registry from the file and no token anywhere: the registry refuses.
        assertThat(CliRun.withEnv(env, "config", "set", "registry", registry.base.toString()).code()).isZero();
        CliRun.Result noToken = CliRun.withEnv(env, "token", "list");
        assertThat(noToken.code()).isEqualTo(1);
        assertThat(noToken.err()).contains("error: ");

        // The config file alone: registry and token from it.
        CliRun.withEnv(env, "config", "set", "token", registry.adminToken);
        CliRun.Result fromFile = CliRun.withEnv(env, "token", "list", "--output", "json");
        assertThat(fromFile.code()).as(fromFile.toString()).isZero();
        assertThat(fromFile.out().strip()).startsWith("[");

        // The environment wins over the file.
        env.put("EXTFARM_REGISTRY", "http://127.0.0.1:9");
        CliRun.Result envWins = CliRun.withEnv(env, "token", "list");
        assertThat(envWins.code()).isEqualTo(1);
        assertThat(envWins.err()).contains("cannot reach the registry at http://127.0.0.1:9");
        env.put("EXTFARM_TOKEN", "efa_not_a_token");
        env.put("EXTFARM_REGISTRY", registry.base.toString());
        assertThat(CliRun.withEnv(env, "token", "list").code()).isEqualTo(1);

        // The flag wins over both.
        CliRun.Result flagWins = CliRun.withEnv(env, "token", "list", "--token", registry.adminToken);
        assertThat(flagWins.code()).as(flagWins.toString()).isZero();

        // A profile: its own registry, chosen by --profile or EXTFARM_PROFILE.
        env.put("EXTFARM_TOKEN", null);
        env.put("EXTFARM_REGISTRY", null);
        CliRun.withEnv(env, "config", "set", "registry", "http://127.0.0.1:9", "--profile", "dead");
        CliRun.withEnv(env, "config", "set", "token", registry.adminToken, "--profile", "dead");
        assertThat(CliRun.withEnv(env, "token", "list", "--profile", "dead").err()).contains("http://127.0.0.1:9");
        env.put("EXTFARM_PROFILE", "dead");
        assertThat(CliRun.withEnv(env, "token", "list").err()).contains("http://127.0.0.1:9");
    }

    @Test
    void consistencyReportsAFreshRegistryAsConsistent() {
        Result text = run("consistency");
        assertThat(text.code).as(text.err).isZero();
        assertThat(text.out).startsWith("consistent: ").contains("0 missing, 0 orphan");
        Result json = run("consistency", "--output", "json");
        assertThat(json.out).contains("\"ok\" : true").contains("\"missing_blobs\" : [ ]");
        int wrongToken = Main.run(new String[] {"consistency", "--registry", registry.base.toString(), "--token", "efa_wrong"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true));
        assertThat(wrongToken).isEqualTo(Main.REJECTED);
    }

    @Test
    void tenantsGetGrantsAndClearErrors() {
        assertThat(run("tenant", "create", "acme").code).isZero();
        Result compute = run("token", "create", "--role", "compute", "--tenant", "acme", "--label", "acme-nodes");
        assertThat(compute.out.strip()).startsWith("efc_");
        Result bad = run("token", "create", "--role", "compute", "--label", "no-tenant");
        assertThat(bad.code).isEqualTo(1);
        assertThat(bad.err).startsWith("error: ").contains("tenant");
        assertThat(run("tenant", "show", "acme").out()).startsWith("acme").contains("grants: -");
        assertThat(run("tenant", "show", "acme", "--output", "json").out()).contains("\"name\" : \"acme\"").contains("\"grants\"");
        assertThat(run("tenant", "list").out()).contains("acme");
        assertThat(run("tenant", "list", "--output", "json").out().strip()).startsWith("[").contains("acme");
        Result unknown = run("tenant", "show", "nobody");
        assertThat(unknown.code).isEqualTo(1);
        assertThat(unknown.err).contains("nobody");
    }
}
