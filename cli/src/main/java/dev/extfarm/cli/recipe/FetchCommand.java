package dev.extfarm.cli.recipe;

import dev.extfarm.cli.sources.SourceSettings;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceFetcher;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Download and verify the sources of recipes into a cache keyed by sha-256 (what workers use),",
                "e.g. to prepare a machine that builds offline. Sources come from $EXTFARM_SOURCE_MIRRORS first, else from",
                "public http(s) addresses and those in $EXTFARM_SOURCE_ALLOW (the same rules as the farm's). The cache",
                "has a source mirror's layout (sha256/<hex>); 'extfarm sources mirror DIR' fills one for every recipe."},
        footer = {"", "Example:", "  extfarm recipe fetch recipes/* --cache data/sources"})
public final class FetchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", arity = "1..*")
    List<Path> dirs;

    @Option(names = "--cache", defaultValue = "data/sources", description = "source cache directory (default: ${DEFAULT-VALUE})")
    Path cache;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Files.createDirectories(cache);
        int failed = 0;
        try (SourceFetcher fetcher = SourceSettings.fetcher(cache)) {
            for (Path dir : dirs) {
                try {
                    Recipe r = RecipeParser.parse(dir);
                    Set<Recipe.Source> fetched = new HashSet<>();
                    for (int major : r.pgMajors()) {
                        Recipe.Source source = r.sourceFor(major);
                        if (!fetched.add(source)) {
                            continue; // one line per source: a variant's majors share theirs
                        }
                        Path p = fetcher.fetch(source, RecipeBundle.readDirectory(dir));
                        out.printf("%s %s: %s (%d bytes)%n", r.name(), r.versionFor(major), source.sha256(), Files.size(p));
                    }
                } catch (SourceException e) {
                    err.printf("%s: %s: %s%n", dir, e.reason().code(), e.getMessage());
                    failed++;
                } catch (Exception e) {
                    err.printf("%s: %s%n", dir, e.getMessage());
                    failed++;
                }
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
