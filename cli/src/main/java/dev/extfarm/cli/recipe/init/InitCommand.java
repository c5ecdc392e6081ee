package dev.extfarm.cli.recipe.init;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.cli.exit.UsageException;
import dev.extfarm.recipe.RecipeBundle;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a recipe skeleton DIR/NAME/recipe.yaml. With --from-pgxn, fill it from a PGXN META.json (v1 or v2):",
                "version, license (as SPDX), description, homepage, source URL, PostgreSQL majors, build and runtime packages,",
                "preload, required extensions. Prints what is left to fill in (exactly what `recipe lint` then reports)",
                "and what could not be mapped. Never overwrites an existing recipe."},
        footer = {"", "Examples:", "  extfarm recipe init pair --from-pgxn ~/src/pair/META.json",
                "  extfarm recipe init myext --dir /tmp/recipes && extfarm recipe lint /tmp/recipes/myext"})
public final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "the extension name: " + BundleAddress.NAME_RULE)
    String name;

    @Option(names = "--from-pgxn", paramLabel = "META.json", description = "a PGXN META.json (Meta Spec v1 or v2) to fill the recipe from")
    Path meta;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "where to create NAME/ (default: ./recipes when it exists, else the current directory)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!name.matches(BundleAddress.NAME_RULE)) {
            throw new UsageException("NAME '" + name + "' must match " + BundleAddress.NAME_RULE
                    + " (lowercase letters, digits, '_' and '-'; usually the extension's control name)");
        }
        if (meta != null && !Files.isRegularFile(meta)) {
            throw new UsageException("--from-pgxn: no such file: " + meta);
        }
        Path parent = dir != null ? dir : Files.isDirectory(Path.of("recipes")) ? Path.of("recipes") : Path.of(".");
        Path recipeDir = parent.resolve(name);
        Path file = recipeDir.resolve(RecipeBundle.RECIPE_FILE);
        if (Files.exists(file)) {
            err.println("error: " + file + " exists; not overwriting it (remove it or choose another --dir)");
            return 1;
        }

        RecipeSkeleton skeleton;
        if (meta == null) {
            skeleton = RecipeSkeleton.blank(name);
        } else {
            try {
                skeleton = RecipeSkeleton.fromPgxn(name, PgxnMeta.read(meta), meta.getFileName().toString());
            } catch (MetaJsonException e) {
                err.println("error: " + e.getMessage());
                err.println("nothing was written");
                return 1;
            }
        }
        Files.createDirectories(recipeDir);
        try {
            Files.writeString(file, skeleton.yaml(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException raced) {
            err.println("error: " + file + " exists; not overwriting it");
            return 1;
        }

        out.println("wrote " + file);
        if (!skeleton.filled.isEmpty()) {
            out.println("from " + meta + ": " + String.join(", ", skeleton.filled));
        }
        out.println("fill in:");
        for (RecipeSkeleton.ToFill f : skeleton.toFill) {
            out.printf("  %-15s %s%n", f.field(), f.hint());
        }
        if (!skeleton.unmapped.isEmpty()) {
            out.println("not mapped (" + skeleton.unmapped.size() + "):");
            skeleton.unmapped.forEach(u -> out.println("  " + u));
        }
        if (!skeleton.notes.isEmpty()) {
            out.println("check:");
            skeleton.notes.forEach(n -> out.println("  " + n));
        }
        out.println("then: extfarm recipe lint " + recipeDir);
        return 0;
    }
}
