package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.Digests;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.recipe.source.SourceFetcherConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code source.bundled}: an archive carried in the recipe bundle's {@code source/} directory, pinned by sha-256. */
class BundledSourceTest {

    static final byte[] ARCHIVE = "not really a tarball, but bytes with a pin".getBytes(StandardCharsets.UTF_8);
    static final String SHA = Digests.sha256(ARCHIVE);

    @TempDir
    Path tmp;

    static String yaml(String source) {
        return """
                name: demo
                version: 1.0.0
                description: demo
                license: MIT
                source:
                %s
                """.formatted(source.indent(2).stripTrailing());
    }

    static RecipeBundle bundle(String yaml, Map<String, byte[]> sources) {
        return RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), Map.of(), sources);
    }

    static List<String> errors(RecipeBundle b) {
        return RecipeParser.check(b, "recipes/demo", ValidationOptions.defaults()).errors().stream().map(RecipeProblem::toString).toList();
    }

    @Test
    void aRecipeDirectoryWithItsSourceArchiveParsesAndTravelsWithTheRecipe() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("demo"));
        Files.writeString(dir.resolve("recipe.yaml"), yaml("bundled: demo-1.0.0.tar.gz\nsha256: " + SHA));
        Files.createDirectories(dir.resolve("source"));
        Files.write(dir.resolve("source/demo-1.0.0.tar.gz"), ARCHIVE);

        Recipe r = RecipeParser.parse(dir);
        assertThat(r.source()).isEqualTo(new Recipe.BundledSource("demo-1.0.0.tar.gz", SHA, Optional.empty()));

        RecipeBundle b = RecipeBundle.readDirectory(dir);
        assertThat(b.sourceFileNames()).containsExactly("demo-1.0.0.tar.gz");
        RecipeBundle back = RecipeBundle.fromJson(b.toJson());
        assertThat(back.sourceFile("demo-1.0.0.tar.gz")).isEqualTo(ARCHIVE);
        assertThat(back.revision()).isEqualTo(b.revision());
        // the archive is part of the revision: other bytes, another revision
        assertThat(bundle(new String(b.recipeYaml(), StandardCharsets.UTF_8), Map.of("demo-1.0.0.tar.gz", "x".getBytes())).revision())
                .isNotEqualTo(b.revision());
        // without source files, the digest is what it always was
        assertThat(RecipeBundle.of("a".getBytes(), Map.of()).revision()).isEqualTo(RevisionDigest.of("a".getBytes(), Map.of()));

        Path out = tmp.resolve("written");
        back.writeTo(out);
        assertThat(out.resolve("source/demo-1.0.0.tar.gz")).hasBinaryContent(ARCHIVE);
    }

    @Test
    void aStalePinIsALintErrorNamingTheActualSha() {
        String other = "1".repeat(64);
        assertThat(errors(bundle(yaml("bundled: demo.tar.gz\nsha256: " + other), Map.of("demo.tar.gz", ARCHIVE))))
                .containsExactly("recipes/demo/recipe.yaml:7:3: source.sha256: is " + other + " but source/demo.tar.gz has sha-256 "
                        + SHA + "; update the pin if the new archive is intended");
    }

    @Test
    void missingExtraAndConflictingSourcesAreErrors() {
        assertThat(errors(bundle(yaml("bundled: demo.tar.gz\nsha256: " + SHA), Map.of())))
                .containsExactly("recipes/demo/recipe.yaml:6:3: source.bundled: source/demo.tar.gz does not exist next to recipe.yaml");
        assertThat(errors(bundle(yaml("url: https://example.org/demo.tar.gz\nsha256: " + SHA), Map.of("demo.tar.gz", ARCHIVE))))
                .containsExactly("recipes/demo/source/demo.tar.gz: source.bundled: not named by source.bundled;"
                        + " only the bundled source archive may be in source/");
        assertThat(errors(bundle(yaml("url: https://example.org/demo.tar.gz\nbundled: demo.tar.gz\nsha256: " + SHA),
                Map.of("demo.tar.gz", ARCHIVE))))
                .contains("recipes/demo/recipe.yaml:7:3: source.bundled: give one of url, debian_source and bundled, not several");
        assertThat(errors(bundle(yaml("bundled: ../demo.tar.gz\nsha256: " + SHA), Map.of())))
                .anyMatch(e -> e.contains("source.bundled: '../demo.tar.gz' must be a file name in the recipe's source/ directory"));
        assertThatThrownBy(() -> RecipeBundle.of(new byte[0], Map.of(), Map.of("../x.tar", ARCHIVE)))
                .hasMessageContaining("source file name '../x.tar' must match");
    }

    @Test
    void theFetcherCachesTheBundledArchiveOnlyWhenItMatchesThePin() throws Exception {
        Path cache = tmp.resolve("cache");
        Recipe.BundledSource source = new Recipe.BundledSource("demo.tar.gz", SHA, Optional.empty());
        try (SourceFetcher fetcher = new SourceFetcher(SourceFetcherConfig.defaults(cache))) {
            RecipeBundle tampered = bundle(yaml("bundled: demo.tar.gz\nsha256: " + SHA), Map.of("demo.tar.gz", "other".getBytes()));
            assertThatThrownBy(() -> fetcher.fetch(source, tampered))
                    .isInstanceOf(SourceException.class)
                    .hasMessageContaining("sha-256 mismatch").hasMessageContaining("nothing was cached")
                    .extracting(e -> ((SourceException) e).reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH);
            assertThatThrownBy(() -> fetcher.fetch(source, bundle("x", Map.of())))
                    .isInstanceOf(SourceException.class).hasMessageContaining("the recipe bundle has no source/demo.tar.gz");
            assertThatThrownBy(() -> fetcher.fetch(source)).hasMessageContaining("use fetch(source, bundle)");
            if (Files.exists(cache)) {
                try (Stream<Path> s = Files.walk(cache)) {
                    assertThat(s.filter(Files::isRegularFile)).as("nothing cached").isEmpty();
                }
            }

            Path cached = fetcher.fetch(source, bundle(yaml("bundled: demo.tar.gz\nsha256: " + SHA), Map.of("demo.tar.gz", ARCHIVE)));
            assertThat(cached).hasBinaryContent(ARCHIVE);
            assertThat(fetcher.fetch(source, bundle("x", Map.of()))).as("served from the cache afterwards").isEqualTo(cached);
        }
    }
}
