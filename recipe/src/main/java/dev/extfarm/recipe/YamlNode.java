package dev.extfarm.recipe;

import java.util.List;
import java.util.Map;

/** A YAML value with the position it was read from, so that problems can name file:line:column. */
sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Mapping, YamlNode.Sequence {

    Position position();

    /** 1-based line and column. */
    record Position(int line, int column) {
        static final Position FILE = new Position(0, 0);
    }

    enum ScalarKind { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

    /** A scalar; {@code text} is exactly as written (so {@code 1.10} stays {@code "1.10"}). */
    record Scalar(String text, ScalarKind kind, Position position) implements YamlNode {
        boolean isNull() {
            return kind == ScalarKind.NULL;
        }
    }

    record Entry(String key, Position keyPosition, YamlNode value) {
    }

    /** Entries in document order. */
    record Mapping(Map<String, Entry> entries, Position position) implements YamlNode {
    }

    record Sequence(List<YamlNode> items, Position position) implements YamlNode {
    }

    static String describe(YamlNode node) {
        if (node instanceof Mapping) {
            return "a mapping";
        }
        if (node instanceof Sequence) {
            return "a list";
        }
        Scalar s = (Scalar) node;
        return switch (s.kind()) {
            case NULL -> "empty";
            case BOOLEAN -> "a boolean";
            case INTEGER, FLOAT -> "a number";
            case STRING -> "a string";
        };
    }
}
