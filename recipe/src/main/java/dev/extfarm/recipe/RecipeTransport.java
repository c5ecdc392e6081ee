package dev.extfarm.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON form of a {@link RecipeBundle}, as sent to {@code POST /api/v1/recipes} and handed to
 * builder workers:
 *
 * <pre>{@code
 * {
 *   "meta_format": 1,
 *   "revision": "sha-256+<hex>",                 // optional on input; checked when present
 *   "recipe_yaml": "name: vector\n...",
 *   "patches": {
 *     "0001-fix.patch": "--- a/Makefile\n...",   // UTF-8 text: the exact bytes
 *     "latin1.patch": {"base64": "LS0tIGEv..."}   // any bytes
 *   },
 *   "source_files": {                               // only with source.bundled
 *     "pg_extfarm-1.0.tar.gz": {"base64": "H4sIA..."}
 *   }
 * }
 * }</pre>
 *
 * A file's value is a string when its bytes are valid UTF-8 (the bytes are the string's UTF-8
 * encoding, so CR, LF and a BOM survive) and {@code {"base64": ...}} otherwise; readers accept
 * either form for every file. Unknown fields are ignored; a higher {@code meta_format} is refused.
 * Problems are reported against the file name {@value #FILE_NAME}.
 */
public final class RecipeTransport {

    public static final int META_FORMAT = 1;
    public static final String FILE_NAME = "recipe.json";
    /** The largest transport document accepted: every file at its limit, base64-encoded. */
    public static final int MAX_JSON_BYTES = RecipeBundle.MAX_TOTAL_BYTES * 2;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_JSON_BYTES).maxNestingDepth(8).build());
    }

    private RecipeTransport() {
    }

    public static String toJson(RecipeBundle bundle) {
        ObjectNode root = JSON.createObjectNode();
        root.put("meta_format", META_FORMAT);
        root.put("revision", bundle.revision().toString());
        root.set("recipe_yaml", fileValue(bundle.recipeYamlUnsafe()));
        ObjectNode patches = root.putObject("patches");
        bundle.patchesUnsafe().forEach((name, bytes) -> patches.set(name, fileValue(bytes)));
        if (!bundle.sourcesUnsafe().isEmpty()) {
            ObjectNode sources = root.putObject("source_files");
            bundle.sourcesUnsafe().forEach((name, bytes) -> sources.set(name, fileValue(bytes)));
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write recipe JSON", e);
        }
    }

    public static RecipeBundle fromJson(String json) throws InvalidRecipeException {
        return fromJson(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws InvalidRecipeException when the document is not a recipe transport document; the
     *     recipe inside is not validated here (use {@link RecipeParser})
     */
    public static RecipeBundle fromJson(byte[] json) throws InvalidRecipeException {
        List<RecipeProblem> problems = new ArrayList<>();
        if (json.length > MAX_JSON_BYTES) {
            throw invalid("", "the document is larger than " + MAX_JSON_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            String message = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
            throw invalid("", "not valid JSON: " + message);
        }
        if (root == null || !root.isObject()) {
            throw invalid("", "must be a JSON object with recipe_yaml and patches");
        }
        JsonNode format = root.get("meta_format");
        if (format == null || !format.canConvertToInt()) {
            problems.add(problem("meta_format", "is required and must be " + META_FORMAT));
        } else if (format.intValue() > META_FORMAT) {
            throw invalid("meta_format", "is " + format.intValue() + "; this version reads up to " + META_FORMAT);
        }
        Optional<byte[]> yaml = fileBytes(root.get("recipe_yaml"), "recipe_yaml", problems);
        if (root.get("recipe_yaml") == null) {
            problems.add(problem("recipe_yaml", "is required"));
        }
        Map<String, byte[]> patches = files(root, "patches", problems);
        Map<String, byte[]> sources = files(root, "source_files", problems);
        if (!problems.isEmpty() || yaml.isEmpty()) {
            throw new InvalidRecipeException(problems);
        }
        RecipeBundle bundle = RecipeBundle.of(yaml.get(), patches, sources);
        JsonNode revision = root.get("revision");
        if (revision != null && !revision.isNull() && !bundle.revision().toString().equals(revision.asText())) {
            throw invalid("revision", "is " + revision.asText() + " but the content's revision is " + bundle.revision()
                    + " (were the files altered in transit, e.g. line endings converted?)");
        }
        return bundle;
    }

    /** An optional object of file name to content ({@code patches}, {@code source_files}). */
    private static Map<String, byte[]> files(JsonNode root, String key, List<RecipeProblem> problems) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return files;
        }
        if (!node.isObject()) {
            problems.add(problem(key, "must be an object of file name to content"));
            return files;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = key + "." + e.getKey();
            if (!RecipeBundle.isValidPatchName(e.getKey())) {
                problems.add(problem(field, (key.equals("patches") ? "patch" : "source") + " file name must match "
                        + RecipeBundle.PATCH_NAME_RULE));
            } else {
                fileBytes(e.getValue(), field, problems).ifPresent(bytes -> files.put(e.getKey(), bytes));
            }
        }
        return files;
    }

    private static JsonNode fileValue(byte[] bytes) {
        Optional<String> text = utf8(bytes);
        if (text.isPresent()) {
            return JSON.getNodeFactory().textNode(text.get());
        }
        ObjectNode node = JSON.createObjectNode();
        node.put("base64", Base64.getEncoder().encodeToString(bytes));
        return node;
    }

    private static Optional<byte[]> fileBytes(JsonNode node, String field, List<RecipeProblem> problems) {
        if (node == null) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.textValue().getBytes(StandardCharsets.UTF_8));
        }
        if (node.isObject() && node.size() == 1 && node.path("base64").isTextual()) {
            try {
                return Optional.of(Base64.getDecoder().decode(node.get("base64").textValue()));
            } catch (IllegalArgumentException e) {
                problems.add(problem(field, "base64: not valid base64 (" + e.getMessage() + ")"));
                return Optional.empty();
            }
        }
        problems.add(problem(field, "must be a string (UTF-8 text) or {\"base64\": \"...\"}"));
        return Optional.empty();
    }

    /** The text when the bytes are valid UTF-8. */
    static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static RecipeProblem problem(String field, String message) {
        return new RecipeProblem(RecipeProblem.Severity.ERROR, FILE_NAME, 0, 0, field, message);
    }

    private static InvalidRecipeException invalid(String field, String message) {
        return new InvalidRecipeException(List.of(problem(field, message)));
    }
}
