package dev.extfarm.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.Main;
import dev.extfarm.cli.RegistryProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** recipe lint/push, builds and build log, run for real against the packaged registry. */
class RecipeAndBuildCommandsTest {

    static RegistryProcess registry;
    static String maintainer;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.start();
        maintainer = run(registry.adminToken, "token", "create", "--role", "maintainer", "--label", "cli-test").out.strip();
    }

    @AfterAll
    static void stop() throws Exception {
        registry.close();
    }

    record Result(int code, String out, String err) {
    }

    static Result run(String token, String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--registry";
        all[args.length + 1] = registry.base.toString();
        all[args.length + 2] = "--token";
        all[args.length + 3] = token;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static Result local(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void pushSchedulesOneBuildPerMajorAndAnUnchangedPushNothing() {
        assertThat(local("recipe", "lint", "../recipes/semver").code).isZero();
        Result first = run(maintainer, "recipe", "push", "../recipes/semver");
        assertThat(first.code).as(first.err).isZero();
        assertThat(first.out).contains("semver: revision").contains("pg15").contains("pg17").contains("pg18");
        Result again = run(maintainer, "recipe", "push", "../recipes/semver");
        assertThat(again.out).contains("unchanged, nothing scheduled");

        Result builds = run(registry.adminToken, "builds", "--extension", "semver");
        assertThat(builds.code).isZero();
        assertThat(builds.out).contains("semver").contains("queued");
        Result json = run(registry.adminToken, "builds", "--extension", "semver", "--output", "json");
        assertThat(json.out).contains("\"items\"");
    }

    @Test
    void pushRefusesABrokenRecipeWithItsLine() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("broken");
        java.nio.file.Files.writeString(dir.resolve("recipe.yaml"), "name: broken\nversion: 1\nlicence: MIT\n");
        Result r = run(maintainer, "recipe", "push", dir.toString());
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("recipe.yaml:3:");
    }

    @Test
    void aRecipeFromPgxnMetaJsonIsAcceptedByTheRegistryOnceItsHashIsFilledIn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Result init = local("recipe", "init", "pg_http_fixture", "--from-pgxn", "src/test/resources/pgxn/v2-http.json", "--dir", dir.toString());
        assertThat(init.code).as(init.err).isZero();
        java.nio.file.Path f = dir.resolve("pg_http_fixture/recipe.yaml");
        Result refused = run(maintainer, "recipe", "push", f.getParent().toString());
        assertThat(refused.code).isEqualTo(1);
        assertThat(refused.err).contains("source.sha256: is required and must not be empty");
        java.nio.file.Files.writeString(f, java.nio.file.Files.readString(f).replaceFirst("sha256: +#[^\n]*", "sha256: " + "ab".repeat(32)));
        Result pushed = run(maintainer, "recipe", "push", f.getParent().toString());
        assertThat(pushed.code).as(pushed.err).isZero();
        assertThat(pushed.out).contains("pg_http_fixture: revision").contains("pg15").contains("pg17").doesNotContain("pg18");
    }

    @Test
    void theCatalogListsAsTextOrJsonAndAnUnknownExtensionIsAClearError() {
        Result text = run(registry.adminToken, "extensions");
        assertThat(text.code).as(text.err).isZero();
        assertThat(text.out).startsWith("NAME");
        Result json = run(registry.adminToken, "extensions", "--output", "json");
        assertThat(json.out.strip()).startsWith("[");
        Result unknown = run(registry.adminToken, "extensions", "no_such_ext");
        assertThat(unknown.code).isEqualTo(1);
        assertThat(unknown.err).startsWith("error: ").contains("no_such_ext");
    }

    @Test
    void theLogOfAnUnknownBuildIsAClearError() {
        Result r = run(registry.adminToken, "build", "log", "999999");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).startsWith("error: ");
    }
}
