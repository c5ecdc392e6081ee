package dev.extfarm.recipe;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads recipe.yaml with Jackson's streaming YAML parser into {@link YamlNode}s that remember
 * where each key and value was written. Rejects what a declarative recipe has no use for and what
 * would make positions ambiguous: aliases, duplicate keys, several documents.
 */
final class YamlTreeReader {

    private static final int MAX_DEPTH = 32;
    private static final YAMLFactory FACTORY = createFactory();

    private final YAMLParser parser;
    private final Problems problems;

    private YamlTreeReader(YAMLParser parser, Problems problems) {
        this.parser = parser;
        this.problems = problems;
    }

    /** The document's root node, or empty when the YAML could not be read (problems say why). */
    static Optional<YamlNode> read(String yaml, Problems problems) {
        try (YAMLParser parser = (YAMLParser) FACTORY.createParser(yaml)) {
            YamlTreeReader reader = new YamlTreeReader(parser, problems);
            JsonToken first = parser.nextToken();
            if (first == null) {
                problems.error(new YamlNode.Position(1, 1), "", "the file is empty");
                return Optional.empty();
            }
            YamlNode root = reader.readValue(first, 0);
            JsonToken extra = parser.nextToken();
            if (extra != null) {
                problems.error(position(parser.currentTokenLocation()), "",
                        "only one YAML document is allowed (remove the second '---')");
            }
            return Optional.ofNullable(root);
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark mark = marked.getProblemMark();
                String context = marked.getContext() == null || marked.getContextMark() == null ? ""
                        : " (" + marked.getContext() + " at line " + (marked.getContextMark().getLine() + 1) + ")";
                problems.error(new YamlNode.Position(mark.getLine() + 1, mark.getColumn() + 1), "",
                        "not valid YAML: " + marked.getProblem() + context);
            } else {
                JsonLocation at = e.getLocation();
                problems.error(at == null ? new YamlNode.Position(1, 1) : position(at), "",
                        "not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
            }
            return Optional.empty();
        } catch (IOException e) {
            problems.error(new YamlNode.Position(1, 1), "", "cannot read: " + e.getMessage());
            return Optional.empty();
        }
    }

    private YamlNode readValue(JsonToken token, int depth) throws IOException {
        YamlNode.Position at = position(parser.currentTokenLocation());
        if (depth > MAX_DEPTH) {
            throw new JsonProcessingException("nested deeper than " + MAX_DEPTH + " levels",
                    parser.currentTokenLocation()) { };
        }
        if (parser.isCurrentAlias()) {
            problems.error(at, "", "YAML aliases (*" + parser.getText() + ") are not allowed in recipes; write the value out");
            return new YamlNode.Scalar("", YamlNode.ScalarKind.NULL, at);
        }
        switch (token) {
            case START_OBJECT:
                return readMapping(at, depth);
            case START_ARRAY:
                return readSequence(at, depth);
            case VALUE_STRING:
                // Jackson reads an empty value (`sha256:`, also before a comment) as "": it is the same
                // as leaving the field out (docs/recipes.md), so a required one reads "is required".
                return parser.getText().isEmpty() ? new YamlNode.Scalar("", YamlNode.ScalarKind.NULL, at)
                        : new YamlNode.Scalar(parser.getText(), YamlNode.ScalarKind.STRING, at);
            case VALUE_NUMBER_INT:
                return new YamlNode.Scalar(parser.getText(), YamlNode.ScalarKind.INTEGER, at);
            case VALUE_NUMBER_FLOAT:
                return new YamlNode.Scalar(parser.getText(), YamlNode.ScalarKind.FLOAT, at);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new YamlNode.Scalar(parser.getText(), YamlNode.ScalarKind.BOOLEAN, at);
            case VALUE_NULL:
                return new YamlNode.Scalar("", YamlNode.ScalarKind.NULL, at);
            default:
                // embedded objects (!!binary) and the like
                problems.error(at, "", "unsupported YAML value (" + token + ")");
                return new YamlNode.Scalar("", YamlNode.ScalarKind.NULL, at);
        }
    }

    private YamlNode.Mapping readMapping(YamlNode.Position at, int depth) throws IOException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            YamlNode.Position keyAt = position(parser.currentTokenLocation());
            YamlNode value = readValue(parser.nextToken(), depth + 1);
            YamlNode.Entry previous = entries.get(key);
            if (previous != null) {
                problems.error(keyAt, key, "duplicate key (first written at line " + previous.keyPosition().line() + ")");
            } else {
                entries.put(key, new YamlNode.Entry(key, keyAt, value));
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IllegalStateException("unexpected " + token + " in a mapping");
        }
        return new YamlNode.Mapping(entries, at);
    }

    private YamlNode.Sequence readSequence(YamlNode.Position at, int depth) throws IOException {
        List<YamlNode> items = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token == null) {
                throw new IllegalStateException("unterminated list");
            }
            items.add(readValue(token, depth + 1));
        }
        return new YamlNode.Sequence(items, at);
    }

    private static YamlNode.Position position(JsonLocation location) {
        return new YamlNode.Position(Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
    }

    private static YAMLFactory createFactory() {
        LoaderOptions loader = new LoaderOptions();
        loader.setCodePointLimit(RecipeBundle.MAX_RECIPE_BYTES);
        loader.setNestingDepthLimit(MAX_DEPTH + 2);
        return YAMLFactory.builder()
                .loaderOptions(loader)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 2).build())
                .build();
    }
}
