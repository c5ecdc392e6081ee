package dev.extfarm.recipe.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fetches and unpacks the source of every recipe in recipes/ from the real Debian mirror. Talks to
 * deb.debian.org, so it is excluded from the default build; run it with
 * {@code mvn -pl recipe test -Drecipe.excludedGroups= -Dgroups=debian-mirror}.
 */
@Tag("debian-mirror")
class RealRecipeSourcesTest {

    @Test
    void everyRecipeSourceResolvesMatchesItsPinAndUnpacks() throws Exception {
        Path recipes = Path.of(System.getProperty("extfarm.recipes.dir", "../recipes"));
        Path cache = Path.of("target/debian-mirror-cache");
        List<Path> dirs;
        try (Stream<Path> list = Files.list(recipes)) {
            dirs = list.filter(Files::isDirectory).sorted().toList();
        }
        try (SourceFetcher fetcher = new SourceFetcher(SourceFetcherConfig.defaults(cache))) {
            for (Path dir : dirs) {
                Recipe recipe = RecipeParser.parse(dir);
                ResolvedSource resolved = fetcher.resolve(recipe.source());
                Path archive = fetcher.fetch(recipe.source(), dev.extfarm.recipe.RecipeBundle.readDirectory(dir));
                Path work = Files.createTempDirectory("extfarm-src-" + recipe.name());
                UnpackedSource src = new SourceUnpacker().unpack(archive, work, recipe.source().subdir());
                assertThat(src.buildDir().resolve("Makefile")).as(recipe.name()).exists();
                System.out.printf("%-11s %s%n            %s%n            sha-256 %s ok, build dir %s, SOURCE_DATE_EPOCH %d%n",
                        recipe.name(), resolved.origin(), resolved.url(), recipe.source().sha256(),
                        work.relativize(src.buildDir()), recipe.sourceDateEpoch().orElse(src.newestEntryEpochSecond()));
            }
        }
    }

    @Test
    void aWrongPinOnTheRealMirrorIsACheckSumMismatch() throws Exception {
        try (SourceFetcher fetcher = new SourceFetcher(SourceFetcherConfig.defaults(Path.of("target/debian-mirror-cache")))) {
            var wrong = new Recipe.DebianSource("pgvector", "0.8.0-1", "0".repeat(64), Optional.empty());
            try {
                fetcher.resolve(wrong);
            } catch (SourceException e) {
                assertThat(e.reason()).isEqualTo(SourceException.Reason.CHECKSUM_MISMATCH);
                System.out.println(e);
                return;
            }
            throw new AssertionError("resolved");
        }
    }
}
