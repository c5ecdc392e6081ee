package dev.extfarm.cli.sources;

import dev.extfarm.cli.api.LocalFarm;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceFetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "mirror", mixinStandardHelpOptions = true,
        description = {"Fill a source mirror with the sources of recipes (default: every recipe in recipes/), to carry",
                "to a farm without internet. Each archive is downloaded (or read from $EXTFARM_SOURCE_MIRRORS),",
                "verified against its recipe's sha-256 pin and stored as DIR/sha256/<hex>. Sources that travel with",
                "their recipe (source.bundled) need no mirror. Run it again: what is there is kept."},
        footer = {"", "Examples:", "  extfarm sources mirror /mnt/usb/sources",
                "  extfarm sources mirror /mnt/usb/sources recipes/vector recipes/semver",
                "  (on the offline farm)  extfarm up --source-mirror /mnt/usb/sources"})
public final class MirrorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "the mirror directory (created if missing)")
    Path dir;

    @Parameters(index = "1..*", paramLabel = "RECIPE", description = "recipe directories (default: every directory in recipes/)")
    List<Path> recipes;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path mirror = dir.toAbsolutePath().normalize();
        Files.createDirectories(mirror);
        int stored = 0;
        int failed = 0;
        // the mirror is the fetcher's cache: the cache's layout is a mirror's (sha256/<hex>)
        try (SourceFetcher fetcher = SourceSettings.fetcher(mirror)) {
            for (Path recipeDir : recipeDirs()) {
                Recipe recipe;
                RecipeBundle bundle;
                try {
                    bundle = RecipeBundle.readDirectory(recipeDir);
                    recipe = RecipeParser.parse(recipeDir);
                } catch (Exception e) {
                    err.printf("%s: %s%n", recipeDir, e.getMessage());
                    failed++;
                    continue;
                }
                for (Recipe.Source source : recipe.sources()) {
                    if (source instanceof Recipe.BundledSource b) {
                        out.printf("%s: source.bundled %s travels with the recipe%n", recipe.name(), b.file());
                        continue;
                    }
                    try {
                        Path p = fetcher.fetch(source, bundle);
                        out.printf("%s: %s (%d bytes)%n", recipe.name(), mirror.relativize(p), Files.size(p));
                        stored++;
                    } catch (SourceException e) {
                        err.printf("%s: %s: %s%n", recipe.name(), e.reason().code(), e.getMessage());
                        failed++;
                    }
                }
            }
        } finally {
            deleteIfEmpty(mirror.resolve("tmp"));
        }
        out.printf("%s: %d archive(s)%s. On a farm without internet: EXTFARM_SOURCE_MIRRORS=%s, or ./extfarm up --source-mirror %s%n",
                mirror, stored, failed == 0 ? "" : ", " + failed + " failed", mirror, mirror);
        return failed == 0 ? 0 : 1;
    }

    private List<Path> recipeDirs() throws IOException {
        if (recipes != null && !recipes.isEmpty()) {
            return recipes;
        }
        try (Stream<Path> s = Files.list(LocalFarm.home().resolve("recipes"))) {
            return s.filter(p -> Files.exists(p.resolve("recipe.yaml"))).sorted().toList();
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty (another fetcher's temporary file): leave it
        }
    }
}
