package dev.extfarm.cli.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.CliRun;
import dev.extfarm.cli.CliRun.Result;
import dev.extfarm.recipe.RecipeLinter;
import dev.extfarm.recipe.RecipeProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * `recipe init`, blank and from PGXN META.json fixtures written from the Meta Spec (v1: PGXN Meta
 * Spec 1.0; v2: RFC 3). The skeletons are checked with the real linter: what init says to fill in
 * is exactly what lint reports.
 */
class RecipeInitCommandTest {

    static final Path FIXTURES = Path.of("src/test/resources/pgxn").toAbsolutePath();
    static final String SHA = "0f7b1f159974f49a47842a8ab6751aecca1ed1142b6d5e38d81b064b2ead1b4b";

    @TempDir
    Path dir;

    Result init(String name, String fixture) {
        return fixture == null ? CliRun.run("recipe", "init", name, "--dir", dir.toString())
                : CliRun.run("recipe", "init", name, "--from-pgxn", FIXTURES.resolve(fixture).toString(), "--dir", dir.toString());
    }

    String yaml(String name) throws Exception {
        return Files.readString(dir.resolve(name).resolve("recipe.yaml"));
    }

    List<String> lintErrors(String name) {
        return RecipeLinter.lint(dir.resolve(name)).stream().filter(RecipeProblem::isError)
                .map(p -> p.field() + ": " + p.message()).toList();
    }

    void fillSha256(String name) throws Exception {
        Path f = dir.resolve(name).resolve("recipe.yaml");
        Files.writeString(f, Files.readString(f).replaceFirst("sha256: +#[^\n]*", "sha256: " + SHA));
    }

    @Test
    void aBlankSkeletonLintsWithExactlyTheFieldsItSaysToFillIn() {
        Result r = init("myext", null);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("fill in:").contains("version").contains("license").contains("source.url").contains("source.sha256");
        assertThat(lintErrors("myext")).containsExactlyInAnyOrder(
                "version: is required and must not be empty",
                "license: is required and must not be empty",
                "source.url: is required: give url, debian_source or bundled",
                "source.sha256: is required and must not be empty");
    }

    @Test
    void v1FillsNameVersionLicenseDescriptionAndMajors() throws Exception {
        Result r = init("pair", "v1-pair.json");
        assertThat(r.code()).as(r.toString()).isZero();
        String y = yaml("pair");
        assertThat(y).contains("version: \"0.1.7\"").contains("description: \"A key/value pair data type\"")
                .contains("license: PostgreSQL").contains("homepage: https://pgxn.org/dist/pair/")
                .contains("url: https://api.pgxn.org/dist/pair/0.1.7/pair-0.1.7.zip")
                .contains("pg: [14, 15, 16, 17, 18]");
        // Only the hash needs the maintainer; lint says so, and nothing else.
        assertThat(r.out()).contains("source.sha256   sha256sum of pair-0.1.7.zip");
        assertThat(lintErrors("pair")).containsExactly("source.sha256: is required and must not be empty");
        assertThat(r.out()).contains("not mapped (1):").contains("$.prereqs.test.requires.pgtap");
        fillSha256("pair");
        assertThat(lintErrors("pair")).isEmpty();
    }

    @Test
    void v1SeveralLicensesBecomeAndWithANoteAndExtensionPrereqsBecomeRequires() throws Exception {
        Result r = init("semver", "v1-multi-license.json");
        assertThat(r.code()).as(r.toString()).isZero();
        String y = yaml("semver");
        assertThat(y).contains("license: GPL-3.0-only AND MIT").contains("x-requires:\n  - hstore_plus")
                .doesNotContain("citext").doesNotContain("\npg:");
        assertThat(r.out()).contains("written as AND").contains("citext: ships with PostgreSQL");
        fillSha256("semver");
        assertThat(lintErrors("semver")).isEmpty();
    }

    @Test
    void v1LicenseObjectKeysAreMatchedAndTheRestListed() throws Exception {
        Result r = init("objlicense", "v1-license-object.json");
        assertThat(yaml("objlicense")).contains("license: PostgreSQL\n").contains("pg: [13, 14, 15]");
        assertThat(r.out()).contains("license \"Acme Proprietary\": not an SPDX id nor a PGXN license name");
    }

    @Test
    void anUnknownLicenseIsLeftForTheMaintainerAndLintSaysSo() {
        Result r = init("oddlicense", "v1-unknown-license.json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("not mapped (1):").contains("license \"unknown\": names no particular license");
        assertThat(lintErrors("oddlicense")).containsExactlyInAnyOrder(
                "license: is required and must not be empty", "source.sha256: is required and must not be empty");
    }

    @Test
    void v2MapsPurlsToBuildAndRuntimePackagesAndRequires() throws Exception {
        Result r = init("pg_http_fixture", "v2-http.json");
        assertThat(r.code()).as(r.toString()).isZero();
        String y = yaml("pg_http_fixture");
        assertThat(y).contains("license: MIT OR PostgreSQL").contains("pg: [13, 14, 15, 16, 17]")
                .contains("build_packages:\n    - pkg-config\n    - libcurl4-openssl-dev\n    - libkrb5-dev\n    - zlib1g-dev\n    - libssl-dev\n")
                .contains("runtime_packages:\n    - libcurl4\n")
                .contains("x-requires:\n  - pg_uri_fixture\n")
                .doesNotContain("plpgsql").doesNotContain("pgtap");
        assertThat(r.out()).contains("not mapped (2):")
                .contains("$.dependencies.packages.test.requires[\"pkg:pgxn/pgtap\"]: the test phase is not used")
                .contains("pkg:generic/make: already in the build image")
                .contains("pkg:postgres/plpgsql: ships with PostgreSQL");
        assertThat(lintErrors("pg_http_fixture")).containsExactly("source.sha256: is required and must not be empty");
        fillSha256("pg_http_fixture");
        assertThat(lintErrors("pg_http_fixture")).isEmpty();
    }

    @Test
    void v2ListsEverythingItCannotMap() throws Exception {
        Result r = init("ml_fixture", "v2-unmappable.json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("not mapped (9):")
                .contains("$.dependencies.pipeline: 'pgrx' builds are not supported")
                .contains("$.dependencies.variations: per-platform dependencies are not mapped")
                .contains("[\"pkg:cargo/cargo-pgrx\"]: cargo packages cannot be installed")
                .contains("[\"pkg:generic/openblas\"]: no known Debian package for generic 'openblas'")
                .contains("[\"pkg:deb/ubuntu/libtorch-dev\"]: a ubuntu package, not a Debian one")
                .contains("[\"pkg:generic/python3\"]: a program needed at run time")
                .contains("[\"pkg:pypi/torch\"]: pypi packages cannot be installed")
                .contains("[\"not-a-purl\"]: not a package URL")
                .contains("[\"pkg:pypi/catboost\"]: 'suggests' dependencies are not mapped");
        assertThat(yaml("ml_fixture")).contains("license: Apache-2.0 WITH LLVM-exception").contains("shared_preload: true")
                .contains("build_packages:\n    - bison\n").contains("version: \"2.0.0-beta.1\"");
        assertThat(lintErrors("ml_fixture")).containsExactly("source.sha256: is required and must not be empty");
    }

    @Test
    void aV2LicenseThatIsNotSpdxIsLeftForTheMaintainer() {
        Result r = init("badlicense", "v2-bad-license.json");
        assertThat(r.out()).contains("license \"GNU GPL version 2 or whatever\": not an SPDX expression");
        assertThat(lintErrors("badlicense")).contains("license: is required and must not be empty");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "syntax.json          | syntax.json: 5:1: not valid JSON: Unexpected character ('}'",
            "version-number.json  | version-number.json: $.version: must be a string (found a number)",
            "no-meta-spec.json    | no-meta-spec.json: $.meta-spec: is required",
            "bad-prereq.json      | bad-prereq.json: $.prereqs.runtime.requires.PostgreSQL: must be a version range",
            "v2-license-object.json | v2-license-object.json: $.license: must be an SPDX expression string (found an object)",
            "empty.json           | empty.json: $: empty file",
            "array.json           | array.json: $: must be an object (found a list)"})
    void aMalformedMetaJsonNamesFilePathAndReasonAndWritesNothing(String fixture, String expected) {
        Result r = init("broken", "malformed/" + fixture);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: ").contains(expected).contains("nothing was written");
        assertThat(dir.resolve("broken")).doesNotExist();
    }

    @Test
    void anExistingRecipeIsNeverOverwritten() throws Exception {
        assertThat(init("pair", "v1-pair.json").code()).isZero();
        Path f = dir.resolve("pair/recipe.yaml");
        Files.writeString(f, "# mine\n");
        Result again = init("pair", null);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("exists; not overwriting it");
        assertThat(Files.readString(f)).isEqualTo("# mine\n");
    }

    @Test
    void aBadNameOrAMissingFileIsAUsageError() {
        assertThat(init("Bad.Name", null).code()).isEqualTo(2);
        Result missing = CliRun.run("recipe", "init", "x", "--from-pgxn", dir.resolve("nope.json").toString(), "--dir", dir.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
    }
}
