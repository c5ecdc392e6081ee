package dev.extfarm.recipe;

import dev.extfarm.bundle.BundleAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * The identity of an immutable recipe revision: sha-256 over a canonical encoding of the exact
 * bytes of recipe.yaml and of every patch. All text in the encoding is ASCII:
 *
 * <pre>
 * "extfarm-recipe-revision/1\n"
 * "recipe.yaml\n" + decimal byte length + "\n" + recipe.yaml bytes
 * for each patch, by name in ascending byte order:
 *   "patches/" + name + "\n" + decimal byte length + "\n" + patch bytes
 * for each bundled source file (source.bundled), by name in ascending byte order:
 *   "source/" + name + "\n" + decimal byte length + "\n" + file bytes
 * </pre>
 *
 * A recipe without source files has the same digest as before source files existed.
 *
 * Bytes are taken as they are (no line-ending or encoding normalisation); the order patches were
 * listed in a directory or a JSON object does not matter. Printed as {@code sha-256+<hex>}.
 */
public record RevisionDigest(String sha256) {

    static final String MAGIC = "extfarm-recipe-revision/1\n";
    private static final String PREFIX = "sha-256+";

    public RevisionDigest {
        BundleAddress.requireValidSha256(sha256);
    }

    /** Parses {@code sha-256+<hex>}. */
    public static RevisionDigest parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("revision '" + text + "' must be sha-256+<64 lowercase hex>");
        }
        return new RevisionDigest(text.substring(PREFIX.length()));
    }

    /** The digest of a recipe.yaml and its patches (name to bytes). */
    public static RevisionDigest of(byte[] recipeYaml, Map<String, byte[]> patches) {
        return of(recipeYaml, patches, Map.of());
    }

    /** The digest of a recipe.yaml, its patches and its bundled source files (name to bytes). */
    public static RevisionDigest of(byte[] recipeYaml, Map<String, byte[]> patches, Map<String, byte[]> sources) {
        MessageDigest sha = newSha256();
        sha.update(MAGIC.getBytes(StandardCharsets.US_ASCII));
        addFile(sha, RecipeBundle.RECIPE_FILE, recipeYaml);
        patches.keySet().stream()
                .sorted(RevisionDigest::compareUtf8)
                .forEach(name -> addFile(sha, RecipeBundle.PATCHES_DIR + "/" + name, patches.get(name)));
        sources.keySet().stream()
                .sorted(RevisionDigest::compareUtf8)
                .forEach(name -> addFile(sha, RecipeBundle.SOURCE_DIR + "/" + name, sources.get(name)));
        return new RevisionDigest(HexFormat.of().formatHex(sha.digest()));
    }

    private static void addFile(MessageDigest sha, String path, byte[] bytes) {
        sha.update((path + "\n" + bytes.length + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(bytes);
    }

    static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return PREFIX + sha256;
    }
}
