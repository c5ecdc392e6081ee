package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The recipes the repository ships (recipes/ at the top) lint clean and parse. */
class RealRecipesTest {

    static Path recipesDir() {
        return Path.of(System.getProperty("extfarm.recipes.dir", "../recipes"));
    }

    static List<Path> recipeDirs() throws IOException {
        try (Stream<Path> dirs = Files.list(recipesDir())) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        }
    }

    @Test
    void everyShippedRecipeLintsClean() throws IOException {
        List<Path> dirs = recipeDirs();
        // The catalog grows; these must never silently disappear from it.
        assertThat(dirs).extracting(d -> d.getFileName().toString()).contains(
                "vector", "semver", "pgtap", "pgpcre", "pg_rrule", "unit", "pgfincore", "ip4r", "pgmemcache", "pg_extfarm",
                "hypopg", "pgaudit", "pg_hint_plan", "pg_partman", "orafce", "plpgsql_check", "http", "pglogical",
                "pg_similarity", "pre_prepare", "first_last_agg", "extra_window_functions", "numeral", "plsh",
                "prioritize", "mimeo", "prefix", "rum", "q3c", "periods", "pgmp", "jsquery", "pg_rational", "set_user",
                "pg_dirtyread", "pg_sphere", "pg_permissions", "pgq", "pg_track_settings", "postgis");
        for (Path dir : dirs) {
            assertThat(RecipeLinter.lint(dir)).as(dir.toString()).isEmpty();
        }
    }

    @Test
    void theShippedRecipesExerciseEveryBuildFeature() throws Exception {
        assertThat(RecipeParser.parse(recipesDir().resolve("vector")).build().makeFlags()).containsExactly("OPTFLAGS=");
        assertThat(RecipeParser.parse(recipesDir().resolve("semver")).build().patches()).containsExactly("standard-layout.patch");
        assertThat(RecipeParser.parse(recipesDir().resolve("pg_rrule")).build().patches()).containsExactly("install-data-once.patch");
        assertThat(RecipeParser.parse(recipesDir().resolve("pgfincore")).build().preBuild()).isPresent();
        assertThat(RecipeParser.parse(recipesDir().resolve("pgmemcache")).build().env()).containsKey("USE_OMCACHE");
        assertThat(RecipeParser.parse(recipesDir().resolve("unit")).version()).isEqualTo("7.10");
        assertThat(RecipeParser.parse(recipesDir().resolve("pg_extfarm")).source()).isInstanceOf(Recipe.BundledSource.class);
    }

    /** What images carry as org.opencontainers.image.source: from the recipe alone, never a mirror or a cache path. */
    @Test
    void publicSourceUrlsComeFromTheRecipeAlone() throws Exception {
        assertThat(RecipeParser.parse(recipesDir().resolve("semver")).source().publicUrl())
                .contains(java.net.URI.create("https://sources.debian.org/src/postgresql-semver/0.40.0-2/"));
        // an upstream version names no single Debian version: the package's page
        assertThat(RecipeParser.parse(recipesDir().resolve("pgmemcache")).source().publicUrl())
                .contains(java.net.URI.create("https://sources.debian.org/src/pgmemcache/"));
        assertThat(RecipeParser.parse(recipesDir().resolve("pg_extfarm")).source().publicUrl()).isEmpty();
        assertThat(new Recipe.UrlSource(java.net.URI.create("https://example.org/x-1.0.tar.gz"), "a".repeat(64),
                java.util.Optional.empty()).publicUrl()).contains(java.net.URI.create("https://example.org/x-1.0.tar.gz"));
        assertThat(new Recipe.UrlSource(java.net.URI.create("file:///srv/x-1.0.tar.gz"), "a".repeat(64),
                java.util.Optional.empty()).publicUrl()).isEmpty();
    }
}
