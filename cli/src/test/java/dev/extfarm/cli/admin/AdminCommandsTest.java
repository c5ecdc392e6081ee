package dev.extfarm.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.Main;
import dev.extfarm.cli.RegistryProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @Test
    void consistencyReportsAFreshRegistryAsConsistent() {
        Result text = run("consistency");
        assertThat(text.code).as(text.err).isZero();
        assertThat(text.out).startsWith("consistent: ").contains("0 missing, 0 orphan");
        Result json = run("consistency", "--output", "json");
        assertThat(json.out).contains("\"ok\" : true").contains("\"missingBlobs\" : [ ]");
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
        Result unknown = run("tenant", "show", "nobody");
        assertThat(unknown.code).isEqualTo(1);
        assertThat(unknown.err).contains("nobody");
    }
}
