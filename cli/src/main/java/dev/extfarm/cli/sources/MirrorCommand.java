package dev.extfarm.cli.sources;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.bundle.Digests;
import dev.extfarm.cli.api.LocalFarm;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.source.GitMirrorBundles;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.recipe.source.SourceMirrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "mirror", mixinStandardHelpOptions = true,
        description = {"Fill a source mirror with the sources of recipes (default: every recipe in recipes/), every",
                "per-major variant's included, to carry to a farm without internet. An archive (url, debian_source) is",
                "downloaded (or read from $EXTFARM_SOURCE_MIRRORS), verified against its recipe's sha-256 pin and stored",
                "as DIR/sha256/<hex>. A git source's commits come from $EXTFARM_SOURCE_MIRRORS (git sources are not",
                "fetched from the network) and are stored as a git bundle DIR/<host>/<path>.bundle, read back before it",
                "counts. Sources that travel with their recipe (bundled) need no mirror. Run it again: what is there and",
                "verifies is kept. Exit 0 when every source is in DIR, 1 when some could not be had."},
        footer = {"", "Examples:", "  extfarm sources mirror /mnt/usb/sources",
                "  extfarm sources mirror /mnt/usb/sources recipes/vector recipes/pgaudit",
                "  EXTFARM_SOURCE_MIRRORS=/srv/old-mirror extfarm sources mirror /mnt/usb/sources   (mirror to mirror, offline)",
                "  (on the farm without internet)  ./extfarm up --source-mirror /mnt/usb/sources"})
public final class MirrorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "the mirror directory (created if missing)")
    Path dir;

    @Parameters(index = "1..*", paramLabel = "RECIPE", description = "recipe directories (default: every directory in recipes/)")
    List<Path> recipes;

    private PrintWriter out;
    private PrintWriter err;
    private int stored;
    private int kept;
    private int failed;

    /** One git repository's sources, from every recipe and variant that names it. */
    private record Repository(List<String> users, List<Recipe.GitSource> sources) {
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        Path mirror = dir.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(mirror) || (Files.exists(mirror) && !Files.isDirectory(mirror))) {
            err.printf("%s: not a directory (a source mirror is a directory; it is written without following links)%n", mirror);
            return 1;
        }
        Files.createDirectories(mirror);
        Path work = Files.createTempDirectory("extfarm-mirror-");
        Map<String, Repository> repositories = new LinkedHashMap<>();
        int archives = 0;
        // the fetcher's cache is this run's own: the mirror receives only verified files, by rename
        try (SourceFetcher fetcher = SourceSettings.fetcher(work.resolve("cache"))) {
            out.printf("mirror %s (sources from %s)%n", mirror, fetcher.mirrors().dirs().isEmpty() ? "the network"
                    : "the mirrors " + fetcher.mirrors() + ", then the network for archives");
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
                for (int major : recipe.pgMajors()) {
                    Recipe.Source source = recipe.sourceFor(major);
                    if (recipe.pgMajors().stream().filter(m -> recipe.sourceFor(m).equals(source)).findFirst().orElseThrow() != major) {
                        continue; // one line per source: a variant's majors share theirs
                    }
                    String who = recipe.name() + " " + recipe.versionFor(major);
                    if (source instanceof Recipe.BundledSource b) {
                        out.printf("  %s: bundled %s travels with the recipe, not mirrored%n", who, b.file());
                    } else if (source instanceof Recipe.GitSource g) {
                        Repository r = repositories.computeIfAbsent(GitMirrorBundles.bundlePath(g.url()).toString(),
                                k -> new Repository(new ArrayList<>(), new ArrayList<>()));
                        r.users().add(who);
                        r.sources().add(g);
                    } else {
                        archives++;
                        archive(fetcher, mirror, who, source, bundle);
                    }
                }
            }
            GitMirrorBundles git = new GitMirrorBundles(work.resolve("git"), fetcher.mirrors(),
                    fetcher.config().downloadTimeout(), fetcher.config().maxDownloadBytes());
            for (var e : repositories.entrySet()) {
                gitBundle(git, mirror, e.getKey(), e.getValue());
            }
        } finally {
            FileTrees.deleteRecursively(work);
        }
        int commits = repositories.values().stream().mapToInt(r -> (int) r.sources().stream().map(Recipe.GitSource::commit).distinct().count()).sum();
        out.printf("%s: %d archive(s), %d git repositor%s (%d commit(s)): %d stored, %d kept, %d failed.%n", mirror, archives,
                repositories.size(), repositories.size() == 1 ? "y" : "ies", commits, stored, kept, failed);
        if (failed == 0) {
            out.printf("On a farm without internet: ./extfarm up --source-mirror %s   (or %s=%s for workers)%n", mirror,
                    SourceMirrors.ENV, mirror);
        }
        return failed == 0 ? 0 : 1;
    }

    /** DIR/sha256/<hex>: kept when its bytes are the pinned ones, else fetched, verified and renamed into place. */
    private void archive(SourceFetcher fetcher, Path mirror, String who, Recipe.Source source, RecipeBundle bundle) throws IOException {
        Path rel = SourceMirrors.archivePath(source.sha256());
        Path entry = mirror.resolve(rel);
        if (Files.isSymbolicLink(entry.getParent()) || Files.isSymbolicLink(entry)) {
            err.printf("  %s: %s is a symbolic link: not followed, not replaced%n", who, entry);
            failed++;
            return;
        }
        if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS) && sha256(entry).equals(source.sha256())) {
            out.printf("  %s: %s kept%n", who, rel);
            kept++;
            return;
        }
        Path fetched;
        try {
            fetched = fetcher.fetch(source, bundle);
        } catch (SourceException e) {
            err.printf("  %s: %s: %s%n", who, e.reason().code(), e.getMessage());
            failed++;
            return;
        }
        Files.createDirectories(entry.getParent());
        Path temp = Files.createTempFile(entry.getParent(), "." + source.sha256(), ".part");
        try {
            Files.copy(fetched, temp, StandardCopyOption.REPLACE_EXISTING);
            String actual = sha256(temp);
            if (!actual.equals(source.sha256())) { // the copy is checked like the download was
                throw new IOException("copying into " + entry + " changed its bytes (sha-256 " + actual + ")");
            }
            Files.move(temp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        out.printf("  %s: %s stored (%d bytes)%n", who, rel, Files.size(entry));
        stored++;
    }

    private void gitBundle(GitMirrorBundles git, Path mirror, String rel, Repository r) {
        String who = String.join(", ", r.users());
        try {
            GitMirrorBundles.Outcome outcome = git.write(mirror, r.sources());
            long commits = r.sources().stream().map(Recipe.GitSource::commit).distinct().count();
            out.printf("  %s: %s %s (%d commit(s), %d bytes)%n", who, rel, outcome == GitMirrorBundles.Outcome.KEPT ? "kept" : "stored",
                    commits, Files.size(mirror.resolve(rel)));
            if (outcome == GitMirrorBundles.Outcome.KEPT) {
                kept++;
            } else {
                stored++;
            }
        } catch (SourceException e) {
            err.printf("  %s: %s: %s%n", who, e.reason().code(), e.getMessage());
            failed++;
        } catch (IOException e) {
            err.printf("  %s: %s: %s%n", who, rel, e.getMessage());
            failed++;
        }
    }

    private List<Path> recipeDirs() throws IOException {
        if (recipes != null && !recipes.isEmpty()) {
            return recipes;
        }
        try (Stream<Path> s = Files.list(LocalFarm.home().resolve("recipes"))) {
            return s.filter(p -> Files.exists(p.resolve("recipe.yaml"))).sorted().toList();
        }
    }

    private static String sha256(Path file) throws IOException {
        return Digests.sha256(file);
    }
}
