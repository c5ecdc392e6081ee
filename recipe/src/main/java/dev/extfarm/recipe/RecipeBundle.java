package dev.extfarm.recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of one recipe revision, byte for byte: {@code recipe.yaml}, the files under
 * {@code patches/} and, for a {@code source.bundled} recipe, the source archive under {@code source/}. Read from a directory ({@link #readDirectory}) or from the transport JSON
 * ({@link RecipeTransport}); both give the same bundle, the same {@link #revision()} and the same
 * validation. Nothing here says whether the recipe is valid: see {@link RecipeParser}.
 */
public final class RecipeBundle {

    public static final String RECIPE_FILE = "recipe.yaml";
    public static final String PATCHES_DIR = "patches";
    public static final String SOURCE_DIR = "source";

    /** Plain file names: a letter or digit first, then letters, digits, '.', '_', '+', '-'. */
    public static final String PATCH_NAME_RULE = "[A-Za-z0-9][A-Za-z0-9._+-]{0,127}";
    static final Pattern PATCH_NAME = Pattern.compile(PATCH_NAME_RULE);

    public static final int MAX_RECIPE_BYTES = 64 * 1024;
    public static final int MAX_PATCH_BYTES = 1024 * 1024;
    public static final int MAX_PATCHES = 100;
    public static final int MAX_TOTAL_BYTES = 8 * 1024 * 1024;
    /** A source archive carried in the bundle ({@code source.bundled}); counts towards MAX_TOTAL_BYTES. */
    public static final int MAX_SOURCE_BYTES = 4 * 1024 * 1024;
    public static final int MAX_SOURCE_FILES = 1;

    private final byte[] recipeYaml;
    private final SortedMap<String, byte[]> patches;
    private final SortedMap<String, byte[]> sources;

    private RecipeBundle(byte[] recipeYaml, SortedMap<String, byte[]> patches, SortedMap<String, byte[]> sources) {
        this.recipeYaml = recipeYaml;
        this.patches = patches;
        this.sources = sources;
    }

    /**
     * A bundle of the given bytes (copied).
     *
     * @throws IllegalArgumentException when a patch name is not a plain file name
     *     ({@link #PATCH_NAME_RULE}), so that names can never address anything outside patches/
     */
    public static RecipeBundle of(byte[] recipeYaml, Map<String, byte[]> patches) {
        return of(recipeYaml, patches, Map.of());
    }

    /** A bundle that also carries source files ({@code source/<name>}, same name rule as patches). */
    public static RecipeBundle of(byte[] recipeYaml, Map<String, byte[]> patches, Map<String, byte[]> sources) {
        return new RecipeBundle(recipeYaml.clone(), copyChecked(patches, "patch"), copyChecked(sources, "source"));
    }

    private static SortedMap<String, byte[]> copyChecked(Map<String, byte[]> files, String kind) {
        SortedMap<String, byte[]> copy = new TreeMap<>(RevisionDigest::compareUtf8);
        files.forEach((name, bytes) -> {
            if (!isValidPatchName(name)) {
                throw new IllegalArgumentException(kind + " file name '" + name + "' must match " + PATCH_NAME_RULE);
            }
            copy.put(name, bytes.clone());
        });
        return Collections.unmodifiableSortedMap(copy);
    }

    public static boolean isValidPatchName(String name) {
        return name != null && PATCH_NAME.matcher(name).matches() && !name.contains("..");
    }

    /**
     * Reads {@code dir/recipe.yaml} and every entry of {@code dir/patches/}. Only regular files
     * with plain names may be there (no directories, no symbolic links); anything else is reported.
     *
     * @throws NoSuchFileException when {@code dir/recipe.yaml} does not exist
     * @throws InvalidRecipeException when patches/ holds something other than plain files
     */
    public static RecipeBundle readDirectory(Path dir) throws IOException, InvalidRecipeException {
        Path recipeFile = dir.resolve(RECIPE_FILE);
        if (!Files.isRegularFile(recipeFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(recipeFile.toString(), null, "a recipe directory must hold a regular file recipe.yaml");
        }
        byte[] yaml = readLimited(recipeFile, MAX_RECIPE_BYTES);
        List<RecipeProblem> problems = new ArrayList<>();
        Map<String, byte[]> patches = readFiles(dir, PATCHES_DIR, MAX_PATCH_BYTES, problems);
        Map<String, byte[]> sources = readFiles(dir, SOURCE_DIR, MAX_SOURCE_BYTES, problems);
        if (!problems.isEmpty()) {
            throw new InvalidRecipeException(problems);
        }
        return of(yaml, patches, sources);
    }

    /** The plain files of {@code dir/sub/} (absent: none); anything else is reported. */
    private static Map<String, byte[]> readFiles(Path dir, String sub, int limit, List<RecipeProblem> problems) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        Path subDir = dir.resolve(sub);
        if (Files.isDirectory(subDir, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> entries = Files.list(subDir)) {
                for (Path p : entries.sorted().toList()) {
                    String name = p.getFileName().toString();
                    String display = subDir.resolve(name).toString();
                    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(fileProblem(display, "only plain files may be in " + sub + "/ (no directories or links)"));
                    } else if (!isValidPatchName(name)) {
                        problems.add(fileProblem(display, (sub.equals(PATCHES_DIR) ? "patch" : "source") + " file name must match "
                                + PATCH_NAME_RULE));
                    } else {
                        files.put(name, readLimited(p, limit));
                    }
                }
            }
        } else if (Files.exists(subDir, LinkOption.NOFOLLOW_LINKS)) {
            problems.add(fileProblem(subDir.toString(), "must be a directory"));
        }
        return files;
    }

    private static RecipeProblem fileProblem(String file, String message) {
        return new RecipeProblem(RecipeProblem.Severity.ERROR, file, 0, 0, "", message);
    }

    /** Reads at most limit + 1 bytes, so that an oversized file is reported rather than loaded. */
    private static byte[] readLimited(Path file, int limit) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(limit + 1);
        }
    }

    public byte[] recipeYaml() {
        return recipeYaml.clone();
    }

    /** Patch names, ascending. */
    public List<String> patchNames() {
        return List.copyOf(patches.keySet());
    }

    /** The bytes of a patch; throws when there is none of that name. */
    public byte[] patch(String name) {
        byte[] bytes = patches.get(name);
        if (bytes == null) {
            throw new IllegalArgumentException("no patch named '" + name + "'");
        }
        return bytes.clone();
    }

    /** Name to bytes, ascending by name (the arrays are copies). */
    public SortedMap<String, byte[]> patches() {
        SortedMap<String, byte[]> copy = new TreeMap<>(RevisionDigest::compareUtf8);
        patches.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /** Names of the files under {@code source/}, ascending (empty unless the recipe uses {@code source.bundled}). */
    public List<String> sourceFileNames() {
        return List.copyOf(sources.keySet());
    }

    /** The bytes of {@code source/<name>}; throws when there is none of that name. */
    public byte[] sourceFile(String name) {
        byte[] bytes = sources.get(name);
        if (bytes == null) {
            throw new IllegalArgumentException("no source file named '" + name + "' in the recipe bundle");
        }
        return bytes.clone();
    }

    Map<String, byte[]> sourcesUnsafe() {
        return sources;
    }

    int recipeSize() {
        return recipeYaml.length;
    }

    byte[] recipeYamlUnsafe() {
        return recipeYaml;
    }

    Map<String, byte[]> patchesUnsafe() {
        return patches;
    }

    /** The transport JSON of this bundle (see {@link RecipeTransport}). */
    public String toJson() {
        return RecipeTransport.toJson(this);
    }

    /** Reads the transport JSON (see {@link RecipeTransport#fromJson(byte[])}). */
    public static RecipeBundle fromJson(String json) throws InvalidRecipeException {
        return RecipeTransport.fromJson(json);
    }

    public RevisionDigest revision() {
        return RevisionDigest.of(recipeYaml, patches, sources);
    }

    /** Writes recipe.yaml and patches/ into {@code dir} (created if needed). */
    public void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(RECIPE_FILE), recipeYaml);
        if (!patches.isEmpty()) {
            Path patchDir = Files.createDirectories(dir.resolve(PATCHES_DIR));
            for (var e : patches.entrySet()) {
                Files.write(patchDir.resolve(e.getKey()), e.getValue());
            }
        }
        if (!sources.isEmpty()) {
            Path sourceDir = Files.createDirectories(dir.resolve(SOURCE_DIR));
            for (var e : sources.entrySet()) {
                Files.write(sourceDir.resolve(e.getKey()), e.getValue());
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecipeBundle other && Arrays.equals(recipeYaml, other.recipeYaml)
                && revision().equals(other.revision());
    }

    @Override
    public int hashCode() {
        return revision().hashCode();
    }

    @Override
    public String toString() {
        return "RecipeBundle[" + revision() + ", patches=" + patches.keySet() + (sources.isEmpty() ? "" : ", source=" + sources.keySet()) + "]";
    }
}
