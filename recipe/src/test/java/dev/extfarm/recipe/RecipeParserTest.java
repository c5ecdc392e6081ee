package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeParserTest {

    private static final String HEX0 = "0".repeat(64);
    private static final String HEAD = """
            name: demo
            version: 1.0.0
            description: demo
            license: MIT
            source:
              url: https://example.org/demo-1.0.0.tar.gz
              sha256: %s
            """.formatted(HEX0);

    private static RecipeCheck check(String yaml) {
        return check(yaml, Map.of());
    }

    private static RecipeCheck check(String yaml, Map<String, byte[]> patches) {
        return RecipeParser.check(RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), patches), "recipes/demo",
                ValidationOptions.defaults());
    }

    private static List<String> errors(String yaml) {
        return check(yaml).errors().stream().map(RecipeProblem::toString).toList();
    }

    @Test
    void parsesEveryField() throws Exception {
        Recipe r = RecipeParser.parse(Path.of("src/test/resources/fixtures/full"));

        assertThat(r.name()).isEqualTo("full");
        assertThat(r.version()).isEqualTo("2.1.0");
        assertThat(r.description()).contains("A recipe that uses every field");
        assertThat(r.license()).isEqualTo("Apache-2.0 OR MIT");
        assertThat(r.homepage()).contains(URI.create("https://example.org/full"));
        assertThat(r.source()).isEqualTo(new Recipe.DebianSource("postgresql-full", "2.1.0-3", "1".repeat(64),
                Optional.of("full-2.1.0/src")));
        assertThat(r.pgMajors()).containsExactly(15, 17);
        assertThat(r.build().system()).isEqualTo(BuildSystem.PGXS);
        assertThat(r.build().makeFlags()).containsExactly("OPTFLAGS=", "with_llvm=no");
        assertThat(r.build().env()).containsExactly(Map.entry("CFLAGS_EXTRA", "-O2"), Map.entry("FULL_FEATURES", "all"));
        assertThat(r.build().preBuild()).contains("./autogen.sh\necho done\n");
        assertThat(r.build().buildPackages()).containsExactly("libfoo-dev", "pkg-config");
        assertThat(r.build().runtimePackages()).containsExactly("libfoo1");
        assertThat(r.build().patches()).containsExactly("0002-second.patch", "0001-first.patch");
        assertThat(r.install()).isEqualTo(new Recipe.Install(true, false, false));
        assertThat(r.test().sql()).contains("SELECT full_version();");
        assertThat(r.test().extensions()).containsExactly("full", "full_extra");
        assertThat(r.sourceDateEpoch()).isEqualTo(OptionalLong.of(1700000000L));
    }

    @Test
    void fillsInDefaults() throws Exception {
        Recipe r = check(HEAD).orThrow();

        assertThat(r.source()).isEqualTo(new Recipe.UrlSource(URI.create("https://example.org/demo-1.0.0.tar.gz"), HEX0, Optional.empty()));
        assertThat(r.pgMajors()).containsExactly(15, 17, 18);
        assertThat(r.build()).isEqualTo(new Recipe.Build(BuildSystem.PGXS, List.of(), Map.of(), Optional.empty(),
                List.of(), List.of(), List.of()));
        assertThat(r.install()).isEqualTo(new Recipe.Install(false, false, true));
        assertThat(r.test()).isEqualTo(new Recipe.SmokeTest(Optional.empty(), List.of()));
        assertThat(r.sourceDateEpoch()).isEmpty();
        assertThat(r.homepage()).isEmpty();
    }

    @Test
    void theFarmServedSetIsAParameter() throws Exception {
        var options = new ValidationOptions(List.of(13, 14, 15, 16, 17, 18));
        Recipe r = RecipeParser.parse(RecipeBundle.of((HEAD + "pg: [13, 18]\n").getBytes(), Map.of()), "", options);
        assertThat(r.pgMajors()).containsExactly(13, 18);
    }

    @Test
    void aKnownMajorTheFarmDoesNotServeIsSkippedWithAWarning() throws Exception {
        RecipeCheck check = check(HEAD + "pg: [14, 17]\n");
        assertThat(check.orThrow().pgMajors()).containsExactly(17);
        assertThat(check.warnings()).map(RecipeProblem::toString).containsExactly(
                "recipes/demo/recipe.yaml:8:6: warning: pg[0]: this farm does not serve PostgreSQL 14 (it serves 15, 17, 18); it will not be built");
    }

    @Test
    void aRecipeForNoServedMajorIsAnError() {
        assertThat(errors(HEAD + "pg: [13, 14]\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:1: pg: none of the listed majors is served by this farm (it serves 15, 17, 18)");
        assertThat(errors(HEAD + "pg: []\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:1: pg: lists no major; leave pg out to build for every major the farm serves");
        assertThat(errors(HEAD + "pg: [17, '17.2']\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:10: pg[1]: must be a PostgreSQL major number such as 17, not a string '17.2'");
    }

    @Test
    void pgrxIsRecognisedButNotSupportedYet() {
        // issue 22 item 4 made cmake (and autoconf, script) supported: see BuildSystemLintTest
        assertThat(errors(HEAD + "build:\n  system: pgrx\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: build.system: 'pgrx' is not supported yet (supported: pgxs, autoconf, cmake, script)");
        assertThat(errors(HEAD + "build:\n  system: meson\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: build.system: unknown build system 'meson' (known: pgxs, autoconf, cmake, script, pgrx)");
    }

    @Test
    void sourceNeedsExactlyOneOrigin() {
        String noOrigin = HEAD.replace("  url: https://example.org/demo-1.0.0.tar.gz\n", "");
        assertThat(errors(noOrigin)).containsExactly("recipes/demo/recipe.yaml:5:1: source.url: is required: give url, debian_source or bundled");
        String both = HEAD + "  debian_source: {package: demo, version: 1.0.0-1}\n";
        assertThat(errors(both)).containsExactly(
                "recipes/demo/recipe.yaml:8:3: source.debian_source: give one of url, debian_source and bundled, not several");
        String noSource = HEAD.substring(0, HEAD.indexOf("source:"));
        assertThat(errors(noSource)).containsExactly(
                "recipes/demo/recipe.yaml:1:1: source: is required: give url + sha256, debian_source + sha256, or bundled + sha256");
    }

    /** Contract change (issue 21): file: URLs are no longer accepted; local archives come from source mirrors. */
    @Test
    void urlsMustBeHttpOrHttpsWithACheckableHostAndNoUserInfo() {
        String mirrorHint = "; a local archive goes into the farm's source mirror (sha256/<hex>, see docs/recipes.md) or into "
                + "the recipe itself (source.bundled)";
        assertThat(errors(HEAD.replace("https://example.org/demo-1.0.0.tar.gz", "ftp://example.org/a.tar.gz")))
                .containsExactly("recipes/demo/recipe.yaml:6:3: source.url: must be an https or http URL, not 'ftp://example.org/a.tar.gz'"
                        + mirrorHint);
        assertThat(errors(HEAD.replace("https://example.org/demo-1.0.0.tar.gz", "file:///etc/shadow")))
                .containsExactly("recipes/demo/recipe.yaml:6:3: source.url: must be an https or http URL, not 'file:///etc/shadow'"
                        + mirrorHint);
        for (String url : List.of("file:demo.tar.gz", "file://localhost/srv/x.tar.gz", "jar:file:///x.jar!/a", "netdoc:///etc/passwd",
                "gopher://example.org/", "/srv/src/demo.tar.gz")) {
            assertThat(check(HEAD.replace("https://example.org/demo-1.0.0.tar.gz", url)).errors())
                    .as(url).singleElement().extracting(RecipeProblem::rule).isEqualTo("source-url-scheme");
        }
        assertThat(check(HEAD.replace("https://example.org/demo-1.0.0.tar.gz", "https://user:pw@example.org/a.tar.gz")).errors())
                .singleElement().extracting(RecipeProblem::rule).isEqualTo("source-url-userinfo");
        for (String url : List.of("http://2130706433/a.tar.gz", "http://0177.0.0.1/a.tar.gz", "http://127.1/a.tar.gz",
                "http://[fe80::1%25eth0]/a.tar.gz", "http:///a.tar.gz")) {
            assertThat(check(HEAD.replace("https://example.org/demo-1.0.0.tar.gz", url)).errors())
                    .as(url).singleElement().extracting(RecipeProblem::rule).isEqualTo("source-url-host");
        }
        // addresses are the farm's to check (its allow list, DNS at push and at fetch), not the parser's
        assertThat(errors(HEAD.replace("https://example.org/demo-1.0.0.tar.gz", "http://127.0.0.1:8080/a.tar.gz"))).isEmpty();
    }

    @Test
    void uppercaseHashGetsAHint() {
        assertThat(errors(HEAD.replace(HEX0, "A".repeat(64)))).containsExactly(
                "recipes/demo/recipe.yaml:7:3: source.sha256: must be 64 lowercase hex digits (write it in lowercase)");
    }

    @Test
    void subdirMustStayInsideTheArchive() {
        assertThat(errors(HEAD + "  subdir: ../etc\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:3: source.subdir: must be a relative path inside the archive, like pgvector-0.8.0 (no '..', '.', empty or absolute parts)");
    }

    @Test
    void makeFlagsAreAssignmentsAndReservedVariablesAreRefused() {
        assertThat(errors(HEAD + "build:\n  make_flags: [COPT=-O0]\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:16: build.make_flags[0]: COPT is set by the builder (reproducible, RUNPATH $ORIGIN builds); use PG_CPPFLAGS, PG_CFLAGS, PG_LDFLAGS or SHLIB_LINK");
        assertThat(errors(HEAD + "build:\n  make_flags: [install, -j8, PG_CONFIG=/x, OK=1]\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:16: build.make_flags[0]: 'install' must be a variable assignment NAME=value (targets and options such as -j are the builder's)",
                "recipes/demo/recipe.yaml:9:25: build.make_flags[1]: '-j8' must be a variable assignment NAME=value (targets and options such as -j are the builder's)",
                "recipes/demo/recipe.yaml:9:30: build.make_flags[2]: PG_CONFIG is set by the builder for each PostgreSQL major");
    }

    @Test
    void envNamesAreCheckedAndSourceDateEpochHasItsOwnField() {
        assertThat(errors(HEAD + "build:\n  env:\n    SOURCE_DATE_EPOCH: 1\n    9BAD: x\n    PATH: /bin\n    GOOD: 1\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:5: build.env.SOURCE_DATE_EPOCH: set source_date_epoch at the top level instead",
                "recipes/demo/recipe.yaml:11:5: build.env.9BAD: '9BAD' is not a valid environment variable name",
                "recipes/demo/recipe.yaml:12:5: build.env.PATH: PATH is set by the builder");
    }

    @Test
    void packageNamesAreDebianNames() {
        assertThat(errors(HEAD + "build:\n  build_packages: [libpcre3-dev, 'Lib Foo', libpcre3-dev]\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:34: build.build_packages[1]: 'Lib Foo' is not a Debian package name (like libpcre3-dev)",
                "recipes/demo/recipe.yaml:9:45: build.build_packages[2]: 'libpcre3-dev' is listed twice");
    }

    @Test
    void typesAreChecked() {
        assertThat(errors(HEAD + "install:\n  shared_preload: yes please\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: install.shared_preload: must be true or false, not a string");
        assertThat(errors(HEAD + "build: [pgxs]\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:1: build: must be a mapping of fields, not a list");
        assertThat(errors(HEAD + "source_date_epoch: soon\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:1: source_date_epoch: must be a whole number, not a string");
        assertThat(errors(HEAD + "source_date_epoch: -1\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:1: source_date_epoch: must be seconds since 1970-01-01T00:00:00Z between 0 and 8589934591");
    }

    @Test
    void versionsAreReadAsWritten() throws Exception {
        // unquoted 7.10 is a YAML float; the recipe keeps the text
        Recipe r = check(HEAD.replace("version: 1.0.0", "version: 7.10")).orThrow();
        assertThat(r.version()).isEqualTo("7.10");
    }

    @Test
    void licensesAreSpdxExpressions() {
        assertThat(errors(HEAD.replace("license: MIT", "license: MIT OR Apache-2.0"))).isEmpty();
        assertThat(errors(HEAD.replace("license: MIT", "license: GPL-2.0-or-later WITH Classpath-exception-2.0"))).isEmpty();
        assertThat(errors(HEAD.replace("license: MIT", "license: (MIT AND BSD-3-Clause) OR LicenseRef-Acme"))).isEmpty();
        assertThat(errors(HEAD.replace("license: MIT", "license: Postgres"))).singleElement().asString()
                .startsWith("recipes/demo/recipe.yaml:4:1: license: 'Postgres' is not an SPDX license id");
        assertThat(errors(HEAD.replace("license: MIT", "license: mit"))).containsExactly(
                "recipes/demo/recipe.yaml:4:1: license: 'mit' must be spelt 'MIT' (the SPDX license id)");
        assertThat(check(HEAD.replace("license: MIT", "license: GPL-2.0")).warnings()).map(RecipeProblem::toString).containsExactly(
                "recipes/demo/recipe.yaml:4:1: warning: license: 'GPL-2.0' is a deprecated SPDX id; write GPL-2.0-only or GPL-2.0-or-later");
    }

    @Test
    void yamlThatCannotBeLocatedUnambiguouslyIsRefused() {
        assertThat(errors(HEAD + "name: again\n")).containsExactly(
                "recipes/demo/recipe.yaml:8:1: name: duplicate key (first written at line 1)");
        assertThat(errors(HEAD + "x: &a 1\ny: *a\n")).contains(
                "recipes/demo/recipe.yaml:9:4: YAML aliases (*a) are not allowed in recipes; write the value out");
        assertThat(errors(HEAD + "---\nname: second\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:1: only one YAML document is allowed (remove the second '---')");
        assertThat(errors("name: [unclosed\n")).containsExactly(
                "recipes/demo/recipe.yaml:2:1: not valid YAML: expected ',' or ']', but got <stream end> (while parsing a flow sequence at line 1)");
        assertThat(errors("")).containsExactly("recipes/demo/recipe.yaml:1:1: the file is empty");
        assertThat(errors("- a\n- b\n")).containsExactly(
                "recipes/demo/recipe.yaml:1:1: must be a mapping of fields (name: ..., version: ...), not a list");
    }

    @Test
    void recipeYamlMustBeUtf8() {
        var check = RecipeParser.check(RecipeBundle.of(new byte[] {'n', ':', ' ', (byte) 0xff}, Map.of()), "",
                ValidationOptions.defaults());
        assertThat(check.errors()).map(RecipeProblem::toString).containsExactly("recipe.yaml: must be UTF-8 text");
    }

    @Test
    void aByteOrderMarkIsTolerated() throws Exception {
        byte[] yaml = ("\uFEFF" + HEAD).getBytes(StandardCharsets.UTF_8);
        assertThat(RecipeParser.parse(RecipeBundle.of(yaml, Map.of()), "", ValidationOptions.defaults()).name()).isEqualTo("demo");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String broken = """
                name: demo
                version: 1.0.0
                license: Nope
                source:
                  url: https://example.org/demo.tar.gz
                  sha256: abc
                pg: [11]
                colour: blue
                """;
        assertThat(errors(broken)).containsExactly(
                "recipes/demo/recipe.yaml:3:1: license: 'Nope' is not an SPDX license id (see https://spdx.org/licenses/; use LicenseRef-<name> for a license that has none)",
                "recipes/demo/recipe.yaml:6:3: source.sha256: must be 64 lowercase hex digits (found 3 characters)",
                "recipes/demo/recipe.yaml:7:6: pg[0]: unknown PostgreSQL major 11 (known: 13, 14, 15, 16, 17, 18)",
                "recipes/demo/recipe.yaml:8:1: colour: unknown field (known fields: name, version, description, license, homepage, source, pg, variants, build, install, test, source_date_epoch)");
    }

    @Test
    void parseThrowsWithEveryProblemInTheMessage() {
        assertThatThrownBy(() -> RecipeParser.parse(RecipeBundle.of("name: demo\n".getBytes(), Map.of()), "recipes/demo",
                ValidationOptions.defaults()))
                .isInstanceOf(InvalidRecipeException.class)
                .hasMessageContaining("recipe has 3 errors:")
                .hasMessageContaining("recipes/demo/recipe.yaml:1:1: version: is required");
    }

    @Test
    void nameMustEqualTheDirectoryName(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("vector");
        RecipeBundle.of(HEAD.getBytes(), Map.of()).writeTo(dir);
        assertThat(RecipeLinter.lint(dir)).filteredOn(RecipeProblem::isError).map(RecipeProblem::toString)
                .containsExactly(dir + "/recipe.yaml:1:1: name: 'demo' must equal the recipe's directory name 'vector'");
    }

    @Test
    void nonPlainFilesInPatchesAreReported(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("demo");
        RecipeBundle.of(HEAD.getBytes(), Map.of()).writeTo(dir);
        Files.createDirectories(dir.resolve("patches/nested"));
        Files.createSymbolicLink(dir.resolve("patches/link.patch"), Path.of("/etc/passwd"));
        assertThat(RecipeLinter.lint(dir)).map(RecipeProblem::toString).containsExactly(
                dir + "/patches/link.patch: only plain files may be in patches/ (no directories or links)",
                dir + "/patches/nested: only plain files may be in patches/ (no directories or links)");
        Files.delete(dir.resolve("patches/link.patch"));
    }

    @Test
    void xFieldsAreFreeForNotes() {
        assertThat(errors(HEAD + "x-upstream-issue: https://example.org/1\nbuild:\n  x-todo: drop the patch in 2.0\n")).isEmpty();
    }

    private static final String VARIANTS = """
            name: pgaudit
            description: audit logging
            license: PostgreSQL
            variants:
              - pg: [15]
                version: 1.7.1
                source:
                  url: https://example.org/pgaudit-1.7.1.tar.gz
                  sha256: %s
              - pg: [17]
                version: "17.1"
                source:
                  url: https://example.org/pgaudit-17.1.tar.gz
                  sha256: %s
              - pg: [18]
                version: "18.0"
                source:
                  url: https://example.org/pgaudit-18.0.tar.gz
                  sha256: %s
            """.formatted("1".repeat(64), "7".repeat(64), "8".repeat(64));

    @Test
    void variantsGiveEachMajorItsOwnVersionAndSource() throws Exception {
        Recipe r = check(VARIANTS).orThrow();

        assertThat(r.pgMajors()).containsExactly(15, 17, 18);
        assertThat(r.versionFor(15)).isEqualTo("1.7.1");
        assertThat(r.versionFor(17)).isEqualTo("17.1");
        assertThat(r.sourceFor(18).sha256()).isEqualTo("8".repeat(64));
        assertThat(r.version()).as("the newest major's stands for the recipe").isEqualTo("18.0");
        assertThat(r.sources()).hasSize(3);
        Recipe for15 = r.forMajor(15);
        assertThat(for15.version()).isEqualTo("1.7.1");
        assertThat(for15.source().sha256()).isEqualTo("1".repeat(64));
        assertThat(for15.pgMajors()).containsExactly(15);
        assertThat(for15.variants()).isEmpty();
        assertThatThrownBy(() -> for15.forMajor(17)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTopLevelVersionServesTheMajorsNoVariantLists() throws Exception {
        Recipe r = check(HEAD + """
                variants:
                  - pg: [15]
                    version: 0.9.0
                    source:
                      debian_source: {package: demo, version: 0.9.0}
                      sha256: %s
                """.formatted("9".repeat(64))).orThrow();

        assertThat(r.versionFor(15)).isEqualTo("0.9.0");
        assertThat(r.versionFor(17)).isEqualTo("1.0.0");
        assertThat(r.versionFor(18)).isEqualTo("1.0.0");
        assertThat(r.version()).isEqualTo("1.0.0");
        assertThat(r.sources()).extracting(Recipe.Source::sha256).containsExactly("9".repeat(64), HEX0);
    }

    @Test
    void withoutATopLevelVersionEveryMajorNeedsAVariant() {
        String yaml = VARIANTS.replace("  - pg: [18]\n", "  - pg: [13]\n");

        assertThat(errors(yaml)).anySatisfy(e -> assertThat(e).contains("version").contains("is required"));
        assertThat(errors(yaml)).anySatisfy(e -> assertThat(e).contains("source").contains("is required"));
    }

    @Test
    void aMajorInTwoVariantsOrOutsideTheRecipeIsAnError() {
        assertThat(errors(VARIANTS.replace("pg: [17]", "pg: [15, 17]")))
                .anySatisfy(e -> assertThat(e).contains("PostgreSQL 15 is in two variants"));
        assertThat(errors("pg: [15, 17]\n" + VARIANTS))
                .anySatisfy(e -> assertThat(e).contains("variants[2].pg").contains("PostgreSQL 18 is not among the majors"));
    }

    @Test
    void aVariantIsCheckedFieldByField() {
        assertThat(errors(VARIANTS.replace("version: 1.7.1", "version: 1.7/1")))
                .anySatisfy(e -> assertThat(e).contains("variants[0].version"));
        assertThat(errors(VARIANTS.replace("    version: \"17.1\"\n", "    version: \"17.1\"\n    patches: [a.patch]\n")))
                .anySatisfy(e -> assertThat(e).contains("variants[1].patches").contains("unknown field"));
        assertThat(errors(VARIANTS.replace("  - pg: [15]\n", "  - \n")))
                .anySatisfy(e -> assertThat(e).contains("variants[0]"));
        assertThat(errors(VARIANTS.replace("url: https://example.org/pgaudit-17.1.tar.gz", "bundled: pgaudit.tar.gz")))
                .anySatisfy(e -> assertThat(e).contains("variants[1].source").contains("url, debian_source or git"));
        assertThat(errors(HEAD + "variants: []\n")).anySatisfy(e -> assertThat(e).contains("variants").contains("is empty"));
    }

    @Test
    void aVariantForAMajorTheFarmDoesNotServeIsOnlyAWarning() throws Exception {
        RecipeCheck c = RecipeParser.check(RecipeBundle.of(VARIANTS.getBytes(StandardCharsets.UTF_8), Map.of()), "recipes/pgaudit",
                new ValidationOptions(List.of(17, 18)));

        assertThat(c.errors()).isEmpty();
        assertThat(c.recipe().orElseThrow().pgMajors()).containsExactly(17, 18);
        assertThat(c.warnings()).anySatisfy(w -> assertThat(w.toString()).contains("does not serve PostgreSQL 15"));
    }

    @Test
    void theSmokeTestTakesServerSettingsAndAnExpectedAnswer() throws Exception {
        Recipe r = check(HEAD + """
                test:
                  settings:
                    shared_preload_libraries: pgaudit
                    wal_level: logical
                    pgaudit.log: all
                    max_replication_slots: 4
                  sql: |
                    SET pgaudit.log = 'read';
                    SELECT setting FROM pg_settings WHERE name = 'pgaudit.log';
                  expect: read
                """).orThrow();

        assertThat(r.test().settings()).containsExactly(Map.entry("max_replication_slots", "4"),
                Map.entry("pgaudit.log", "all"), Map.entry("shared_preload_libraries", "pgaudit"), Map.entry("wal_level", "logical"));
        assertThat(r.test().sql()).get().asString().contains("SET pgaudit.log").contains("SELECT setting");
        assertThat(r.test().expect()).contains("read");
    }

    @Test
    void settingsThatAreTheBuildersOrNotOneLineAreRefused() {
        assertThat(errors(HEAD + "test:\n  settings:\n    listen_addresses: '*'\n"))
                .anySatisfy(e -> assertThat(e).contains("test.settings.listen_addresses").contains("builder's"));
        assertThat(errors(HEAD + "test:\n  settings:\n    Port: 5433\n"))
                .anySatisfy(e -> assertThat(e).contains("test.settings.Port").contains("builder's"));
        assertThat(errors(HEAD + "test:\n  settings:\n    include_dir: /etc\n")).anySatisfy(e -> assertThat(e).contains("builder's"));
        assertThat(errors(HEAD + "test:\n  settings:\n    \"a b\": x\n")).anySatisfy(e -> assertThat(e).contains("not a PostgreSQL setting name"));
        assertThat(errors(HEAD + "test:\n  settings:\n    work_mem: \"64MB\\nlisten_addresses = '*'\"\n"))
                .anySatisfy(e -> assertThat(e).contains("test.settings.work_mem").contains("one line"));
        assertThat(errors(HEAD + "test:\n  expect: t\n")).anySatisfy(e -> assertThat(e).contains("test.expect").contains("needs test.sql"));
    }

    private static final String GIT = """
            name: pgaudit
            version: 1.7.1
            description: audit
            license: PostgreSQL
            source:
              git: https://github.com/pgaudit/pgaudit.git
              commit: 72da89c3fa02f3f2b9f3933214d91ad9c3428467
              tag: 1.7.1
            """;

    @Test
    void aGitSourceIsPinnedByItsCommit() throws Exception {
        Recipe r = check(GIT).orThrow();

        assertThat(r.source()).isEqualTo(new Recipe.GitSource(URI.create("https://github.com/pgaudit/pgaudit.git"),
                "72da89c3fa02f3f2b9f3933214d91ad9c3428467", Optional.of("1.7.1"), Optional.empty()));
        assertThat(r.source().sha256()).matches("[0-9a-f]{64}")
                .isEqualTo(dev.extfarm.bundle.Digests.sha256("git-commit 72da89c3fa02f3f2b9f3933214d91ad9c3428467".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aGitSourceIsHttpsWithAFullCommitAndNoSha256() {
        assertThat(errors(GIT.replace("https://github.com", "ssh://github.com"))).anySatisfy(e -> assertThat(e).contains("source.git").contains("https"));
        assertThat(errors(GIT.replace("https://github.com", "file://github.com"))).anySatisfy(e -> assertThat(e).contains("source.git"));
        assertThat(errors(GIT.replace("https://github.com", "https://user:pw@github.com"))).anySatisfy(e -> assertThat(e).contains("user info"));
        assertThat(errors(GIT.replace("https://github.com", "https://github.com:8443"))).anySatisfy(e -> assertThat(e).contains("without a port"));
        assertThat(errors(GIT.replace("pgaudit.git", "pgaudit.git?ref=x"))).anySatisfy(e -> assertThat(e).contains("?query"));
        assertThat(errors(GIT.replace("/pgaudit/pgaudit.git", "/pgaudit/../x.git"))).anySatisfy(e -> assertThat(e).contains("plain path"));
        assertThat(errors(GIT.replace("72da89c3fa02f3f2b9f3933214d91ad9c3428467", "72da89c"))).anySatisfy(e -> assertThat(e).contains("full id"));
        assertThat(errors(GIT.replace("72da89c3fa02f3f2b9f3933214d91ad9c3428467", "main"))).anySatisfy(e -> assertThat(e).contains("source.commit"));
        assertThat(errors(GIT.replace("tag: 1.7.1", "tag: --upload-pack=x"))).anySatisfy(e -> assertThat(e).contains("source.tag"));
        assertThat(errors(GIT.replace("tag: 1.7.1", "tag: a..b"))).anySatisfy(e -> assertThat(e).contains("source.tag"));
        assertThat(errors(GIT + "  sha256: " + HEX0 + "\n")).anySatisfy(e -> assertThat(e).contains("source.sha256").contains("pinned by its commit"));
        assertThat(errors(GIT + "  url: https://example.org/x.tar.gz\n")).anySatisfy(e -> assertThat(e).contains("not several"));
        assertThat(errors(GIT.replace("  tag: 1.7.1\n", "  commit_id: x\n"))).anySatisfy(e -> assertThat(e).contains("unknown field"));
    }
}
