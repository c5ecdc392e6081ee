package dev.extfarm.recipe;

import dev.extfarm.bundle.BundleAddress;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a {@link RecipeBundle} into a {@link Recipe}, checking every field. The CLI, the registry
 * and the builder all go through here, so a recipe is judged the same way everywhere.
 *
 * <p>{@code location} is how the recipe directory is shown in problems: {@code recipes/vector}
 * gives {@code recipes/vector/recipe.yaml:7:3: ...}; an empty location gives {@code recipe.yaml:7:3}.
 */
public final class RecipeParser {

    static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+~_-]{0,63}");
    static final String VERSION_RULE = "must be 1-64 letters, digits and . + ~ _ - starting with a letter or digit";
    static final int MAX_DESCRIPTION = 500;
    /** The largest time a ustar header holds (11 octal digits). */
    static final long MAX_EPOCH = 077777777777L;

    private RecipeParser() {
    }

    /** Parses a recipe directory ({@code recipe.yaml} + {@code patches/}) with the default options. */
    public static Recipe parse(Path dir) throws IOException, InvalidRecipeException {
        return checkDirectory(dir, ValidationOptions.defaults()).orThrow();
    }

    public static Recipe parse(RecipeBundle bundle, String location, ValidationOptions options) throws InvalidRecipeException {
        return check(bundle, location, options).orThrow();
    }

    /**
     * Checks a recipe directory; in addition to the content, {@code name} must equal the
     * directory's name.
     *
     * @throws IOException when the directory cannot be read (a missing recipe.yaml is a problem)
     */
    public static RecipeCheck checkDirectory(Path dir, ValidationOptions options) throws IOException {
        String location = dir.toString();
        RecipeBundle bundle;
        try {
            bundle = RecipeBundle.readDirectory(dir);
        } catch (NoSuchFileException e) {
            return new RecipeCheck(Optional.empty(), List.of(new RecipeProblem(RecipeProblem.Severity.ERROR,
                    recipeFile(location), 0, 0, "", "no such file: a recipe directory holds recipe.yaml and optionally patches/")));
        } catch (InvalidRecipeException e) {
            return new RecipeCheck(Optional.empty(), e.problems());
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return check(bundle, location, options, Optional.ofNullable(name).map(Path::toString));
    }

    public static RecipeCheck check(RecipeBundle bundle, String location, ValidationOptions options) {
        return check(bundle, location, options, Optional.empty());
    }

    static String recipeFile(String location) {
        if (location.isEmpty()) {
            return RecipeBundle.RECIPE_FILE;
        }
        return (location.endsWith("/") ? location : location + "/") + RecipeBundle.RECIPE_FILE;
    }

    private static RecipeCheck check(RecipeBundle bundle, String location, ValidationOptions options,
            Optional<String> directoryName) {
        Problems problems = new Problems(recipeFile(location));
        Optional<Recipe> recipe = checkSizes(bundle, problems) ? read(bundle, problems, options, directoryName) : Optional.empty();
        return new RecipeCheck(problems.hasErrors() ? Optional.empty() : recipe, problems.sorted());
    }

    private static boolean checkSizes(RecipeBundle bundle, Problems problems) {
        String dir = problems.file().substring(0, problems.file().length() - RecipeBundle.RECIPE_FILE.length());
        boolean ok = true;
        if (bundle.recipeSize() > RecipeBundle.MAX_RECIPE_BYTES) {
            problems.error(YamlNode.Position.FILE, "", "is larger than " + RecipeBundle.MAX_RECIPE_BYTES + " bytes");
            ok = false;
        }
        long total = bundle.recipeSize();
        for (Map.Entry<String, byte[]> e : bundle.patchesUnsafe().entrySet()) {
            total += e.getValue().length;
            if (e.getValue().length > RecipeBundle.MAX_PATCH_BYTES) {
                problems.errorInFile(dir + RecipeBundle.PATCHES_DIR + "/" + e.getKey(), "",
                        "is larger than " + RecipeBundle.MAX_PATCH_BYTES + " bytes");
                ok = false;
            }
        }
        for (Map.Entry<String, byte[]> e : bundle.sourcesUnsafe().entrySet()) {
            total += e.getValue().length;
            if (e.getValue().length > RecipeBundle.MAX_SOURCE_BYTES) {
                problems.errorInFile(dir + RecipeBundle.SOURCE_DIR + "/" + e.getKey(), "",
                        "is larger than " + RecipeBundle.MAX_SOURCE_BYTES + " bytes; publish the archive and use source.url");
                ok = false;
            }
        }
        if (bundle.patchesUnsafe().size() > RecipeBundle.MAX_PATCHES) {
            problems.error(YamlNode.Position.FILE, "build.patches", "more than " + RecipeBundle.MAX_PATCHES + " patches");
            ok = false;
        }
        if (total > RecipeBundle.MAX_TOTAL_BYTES) {
            problems.error(YamlNode.Position.FILE, "", "recipe.yaml, patches and source/ together exceed " + RecipeBundle.MAX_TOTAL_BYTES + " bytes");
            ok = false;
        }
        return ok;
    }

    private static Optional<Recipe> read(RecipeBundle bundle, Problems problems, ValidationOptions options,
            Optional<String> directoryName) {
        Optional<String> text = RecipeTransport.utf8(bundle.recipeYamlUnsafe());
        if (text.isEmpty()) {
            problems.error(YamlNode.Position.FILE, "", "must be UTF-8 text");
            return Optional.empty();
        }
        String yaml = text.get().startsWith("\uFEFF") ? text.get().substring(1) : text.get();
        Optional<YamlNode> root = YamlTreeReader.read(yaml, problems);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        if (!(root.get() instanceof YamlNode.Mapping mapping)) {
            problems.error(root.get().position(), "", "must be a mapping of fields (name: ..., version: ...), not "
                    + YamlNode.describe(root.get()));
            return Optional.empty();
        }
        MappingReader top = new MappingReader(mapping, problems);

        Optional<String> name = top.requiredString("name").filter(n -> checkName(top, n, directoryName));
        top.declare("version", "description", "license", "homepage", "source", "pg", "variants");
        List<Integer> pgMajors = pgMajors(top, options);
        Variants.Read variants = Variants.read(top, pgMajors, options);
        boolean topLevelNeeded = !variants.coverAll(pgMajors);
        Optional<String> version = (topLevelNeeded ? top.requiredString("version") : top.string("version"))
                .filter(v -> SourceSection.check(top, "version", v, VERSION, VERSION_RULE));
        Optional<String> description = description(top);
        Optional<String> license = top.requiredString("license").filter(l -> checkLicense(top, l));
        Optional<URI> homepage = top.string("homepage").flatMap(h -> homepage(top, h));
        Optional<Recipe.Source> source = topLevelNeeded || top.entry("source").isPresent()
                ? SourceSection.read(top, bundle) : Optional.empty();
        Recipe.Build build = BuildSection.read(top, bundle);
        Recipe.Install install = install(top);
        Recipe.SmokeTest test = smokeTest(top);
        OptionalLong epoch = sourceDateEpoch(top);
        top.finish();

        if (!variants.valid() || pgMajors.isEmpty()) {
            return Optional.empty();
        }
        if (!topLevelNeeded && (version.isEmpty() || source.isEmpty())) {
            // every major has a variant: the newest major's stands for the recipe as a whole
            Recipe.Variant newest = variants.byMajor().get(pgMajors.get(pgMajors.size() - 1));
            version = version.or(() -> Optional.of(newest.version()));
            source = source.or(() -> Optional.of(newest.source()));
        }
        if (name.isEmpty() || version.isEmpty() || license.isEmpty() || source.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Recipe(name.get(), version.get(), description, license.get(), homepage, source.get(),
                pgMajors, build, install, test, epoch, variants.byMajor()));
    }

    private static boolean checkName(MappingReader top, String name, Optional<String> directoryName) {
        var at = top.keyPosition("name").orElseThrow();
        if (!BundleAddress.isValidName(name)) {
            top.problems().error(at, "name", "'" + name + "' must match " + BundleAddress.NAME_RULE
                    + " (lowercase letters, digits, '_' and '-', starting with a letter or digit, at most 63 characters)");
            return false;
        }
        if (directoryName.isPresent() && !directoryName.get().equals(name)) {
            top.problems().error(at, "name", "'" + name + "' must equal the recipe's directory name '" + directoryName.get() + "'");
            return false;
        }
        return true;
    }

    private static Optional<String> description(MappingReader top) {
        Optional<String> description = top.string("description");
        if (description.isEmpty() && top.keyPosition("name").isPresent()) {
            top.problems().warning(top.keyPosition("name").get(), "description", "missing; the catalog shows it to packagers");
        } else if (description.isPresent() && description.get().length() > MAX_DESCRIPTION) {
            top.problems().error(top.keyPosition("description").orElseThrow(), "description",
                    "is longer than " + MAX_DESCRIPTION + " characters; put the details on the homepage");
            return Optional.empty();
        }
        return description.map(String::strip);
    }

    private static boolean checkLicense(MappingReader top, String expression) {
        var at = top.keyPosition("license").orElseThrow();
        LicenseExpression.Check check = LicenseExpression.check(expression);
        check.errors().forEach(e -> top.problems().error(at, "license", e));
        check.warnings().forEach(w -> top.problems().warning(at, "license", w));
        return check.isValid();
    }

    private static Optional<URI> homepage(MappingReader top, String text) {
        var at = top.keyPosition("homepage").orElseThrow();
        try {
            URI uri = new URI(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        top.problems().error(at, "homepage", "'" + text + "' must be an http or https URL");
        return Optional.empty();
    }

    private static List<Integer> pgMajors(MappingReader top, ValidationOptions options) {
        Optional<YamlNode.Entry> entry = top.entry("pg");
        if (entry.isEmpty()) {
            return options.servedPgMajors();
        }
        return listedPgMajors(top, entry.get(), options, true);
    }

    /** The majors listed under {@code pg} of {@code owner} that this farm serves (warnings for the others). */
    static List<Integer> listedPgMajors(MappingReader top, YamlNode.Entry entry, ValidationOptions options, boolean someServed) {
        TreeSet<Integer> listed = new TreeSet<>();
        int[] invalid = {0};
        List<Integer> majors = top.list("pg", (node, field) -> {
            if (!(node instanceof YamlNode.Scalar s) || s.kind() != YamlNode.ScalarKind.INTEGER || !s.text().matches("[0-9]{1,3}")) {
                top.problems().error(node.position(), field, "must be a PostgreSQL major number such as 17, not "
                        + YamlNode.describe(node) + (node instanceof YamlNode.Scalar s ? " '" + s.text() + "'" : ""));
                invalid[0]++;
                return Optional.empty();
            }
            int major = Integer.parseInt(s.text());
            if (!PgMajors.isKnown(major)) {
                top.problems().error(node.position(), field, "unknown PostgreSQL major " + major + " (known: " + join(PgMajors.KNOWN) + ")");
                invalid[0]++;
                return Optional.empty();
            }
            if (!listed.add(major)) {
                top.problems().error(node.position(), field, major + " is listed twice");
                return Optional.empty();
            }
            if (!options.servedPgMajors().contains(major)) {
                top.problems().warning(node.position(), field, "this farm does not serve PostgreSQL " + major
                        + " (it serves " + join(options.servedPgMajors()) + "); it will not be built");
                return Optional.empty();
            }
            return Optional.of(major);
        });
        var at = entry.keyPosition();
        if (entry.value() instanceof YamlNode.Sequence seq && seq.items().isEmpty()) {
            top.problems().error(at, top.field("pg"), "lists no major" + (someServed ? "; leave pg out to build for every major the farm serves" : ""));
        } else if (someServed && majors.isEmpty() && !listed.isEmpty() && invalid[0] == 0) {
            top.problems().error(at, top.field("pg"), "none of the listed majors is served by this farm (it serves "
                    + join(options.servedPgMajors()) + ")");
        }
        return majors.stream().sorted().toList();
    }

    private static Recipe.Install install(MappingReader top) {
        Optional<MappingReader> section = top.mapping("install");
        if (section.isEmpty()) {
            return new Recipe.Install(false, false, true);
        }
        MappingReader i = section.get();
        var install = new Recipe.Install(i.bool("shared_preload").orElse(false), i.bool("preload").orElse(false),
                i.bool("strip_libdir").orElse(true));
        i.finish();
        return install;
    }

    private static Recipe.SmokeTest smokeTest(MappingReader top) {
        Optional<MappingReader> section = top.mapping("test");
        if (section.isEmpty()) {
            return new Recipe.SmokeTest(Optional.empty(), List.of());
        }
        MappingReader t = section.get();
        Optional<String> sql = t.string("sql");
        List<String> extensions = t.list("extensions", (node, field) -> t.scalarText(node, node.position(), field).filter(n -> {
            if (BundleAddress.isValidName(n)) {
                return true;
            }
            top.problems().error(node.position(), field, "'" + n + "' is not an extension name (" + BundleAddress.NAME_RULE + ")");
            return false;
        }));
        if (t.entry("extensions").isPresent() && t.entry("extensions").get().value() instanceof YamlNode.Sequence seq
                && seq.items().isEmpty()) {
            top.problems().error(t.keyPosition("extensions").orElseThrow(), "test.extensions",
                    "is empty; leave it out to create every extension the bundle carries");
        }
        Map<String, String> settings = SmokeTestSettings.read(t);
        Optional<String> expect = t.string("expect").map(String::strip);
        Recipe.Regress regress = RegressSection.read(t);
        if (expect.isPresent() && sql.filter(s -> !s.isBlank()).isEmpty()) {
            top.problems().error(t.keyPosition("expect").orElseThrow(), "test.expect", "needs test.sql: it is the output the test SQL must print");
        }
        t.finish();
        return new Recipe.SmokeTest(sql.filter(s -> !s.isBlank()), new ArrayList<>(new LinkedHashSet<>(extensions)),
                settings, expect, regress);
    }

    private static OptionalLong sourceDateEpoch(MappingReader top) {
        Optional<Long> epoch = top.integer("source_date_epoch");
        if (epoch.isPresent() && (epoch.get() < 0 || epoch.get() > MAX_EPOCH)) {
            top.problems().error(top.keyPosition("source_date_epoch").orElseThrow(), "source_date_epoch",
                    "must be seconds since 1970-01-01T00:00:00Z between 0 and " + MAX_EPOCH);
            return OptionalLong.empty();
        }
        return epoch.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    private static String join(List<Integer> majors) {
        return String.join(", ", majors.stream().map(String::valueOf).toList());
    }
}
