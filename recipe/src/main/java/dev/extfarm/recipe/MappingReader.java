package dev.extfarm.recipe;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the fields of one YAML mapping by name, reporting type errors against the field's dotted
 * path ({@code build.make_flags[2]}) and, at {@link #finish()}, every key nobody asked for.
 * Keys starting with {@code x-} are free for notes and tools and never reported.
 */
final class MappingReader {

    private final YamlNode.Mapping mapping;
    private final String path;
    private final Problems problems;
    private final YamlNode.Position ownerPosition;
    private final Set<String> known = new HashSet<>();
    private final List<String> knownInOrder = new ArrayList<>();

    /** The top-level mapping of a document. */
    MappingReader(YamlNode.Mapping mapping, Problems problems) {
        this(mapping, "", problems, mapping.position());
    }

    private MappingReader(YamlNode.Mapping mapping, String path, Problems problems, YamlNode.Position ownerPosition) {
        this.mapping = mapping;
        this.path = path;
        this.problems = problems;
        this.ownerPosition = ownerPosition;
    }

    /** A reader for the mapping under {@code key}; empty when absent, null or not a mapping. */
    Optional<MappingReader> mapping(String key) {
        return entry(key).flatMap(e -> {
            if (e.value() instanceof YamlNode.Mapping m) {
                return Optional.of(new MappingReader(m, field(key), problems, e.keyPosition()));
            }
            problems.error(e.keyPosition(), field(key), "must be a mapping of fields, not " + YamlNode.describe(e.value()));
            return Optional.empty();
        });
    }

    /** Declares fields in the order "did you mean" lists them, before they are read in another order. */
    void declare(String... keys) {
        for (String key : keys) {
            if (known.add(key)) {
                knownInOrder.add(key);
            }
        }
    }

    /** A reader for a list item that must itself be a mapping ({@code variants[0]}). */
    Optional<MappingReader> item(YamlNode node, String field) {
        if (node instanceof YamlNode.Mapping m) {
            return Optional.of(new MappingReader(m, field, problems, m.position()));
        }
        problems.error(node.position(), field, "must be a mapping of fields, not " + YamlNode.describe(node));
        return Optional.empty();
    }

    /** The entry under {@code key}, unless absent or written as an empty (null) value. */
    Optional<YamlNode.Entry> entry(String key) {
        if (known.add(key)) {
            knownInOrder.add(key);
        }
        YamlNode.Entry e = mapping.entries().get(key);
        if (e == null || (e.value() instanceof YamlNode.Scalar s && s.isNull())) {
            return Optional.empty();
        }
        return Optional.of(e);
    }

    Optional<YamlNode.Position> keyPosition(String key) {
        return Optional.ofNullable(mapping.entries().get(key)).map(YamlNode.Entry::keyPosition);
    }

    /** Where to report a missing field: the key that holds this mapping, or the first key at the top. */
    YamlNode.Position missingPosition() {
        return ownerPosition;
    }

    String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Problems problems() {
        return problems;
    }

    Optional<String> string(String key) {
        return entry(key).flatMap(e -> scalarText(e.value(), e.keyPosition(), field(key)));
    }

    Optional<String> requiredString(String key) {
        Optional<String> value = string(key);
        if (value.isEmpty() && !mapping.entries().containsKey(key)) {
            problems.error(missingPosition(), field(key), "is required");
        } else if (value.isEmpty() && isNull(key)) {
            problems.error(mapping.entries().get(key).keyPosition(), field(key), "is required and must not be empty");
        }
        return value;
    }

    private boolean isNull(String key) {
        YamlNode.Entry e = mapping.entries().get(key);
        return e != null && e.value() instanceof YamlNode.Scalar s && s.isNull();
    }

    Optional<Boolean> bool(String key) {
        return entry(key).flatMap(e -> {
            if (e.value() instanceof YamlNode.Scalar s && s.kind() == YamlNode.ScalarKind.BOOLEAN) {
                return Optional.of(Boolean.parseBoolean(s.text().toLowerCase(Locale.ROOT)));
            }
            problems.error(e.keyPosition(), field(key), "must be true or false, not " + YamlNode.describe(e.value()));
            return Optional.empty();
        });
    }

    Optional<Long> integer(String key) {
        return entry(key).flatMap(e -> {
            if (e.value() instanceof YamlNode.Scalar s && s.kind() == YamlNode.ScalarKind.INTEGER) {
                try {
                    return Optional.of(Long.parseLong(s.text().replace("_", "")));
                } catch (NumberFormatException tooBig) {
                    problems.error(e.keyPosition(), field(key), "'" + s.text() + "' is out of range");
                    return Optional.empty();
                }
            }
            problems.error(e.keyPosition(), field(key), "must be a whole number, not " + YamlNode.describe(e.value()));
            return Optional.empty();
        });
    }

    /** A list whose items are read by {@code item} (given the item node and its field path). */
    <T> List<T> list(String key, ItemReader<T> item) {
        Optional<YamlNode.Entry> e = entry(key);
        if (e.isEmpty()) {
            return List.of();
        }
        if (!(e.get().value() instanceof YamlNode.Sequence seq)) {
            problems.error(e.get().keyPosition(), field(key), "must be a list, not " + YamlNode.describe(e.get().value()));
            return List.of();
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            item.read(seq.items().get(i), field(key) + "[" + i + "]").ifPresent(out::add);
        }
        return out;
    }

    List<String> stringList(String key) {
        return list(key, (node, field) -> scalarText(node, node.position(), field));
    }

    /** A mapping of names to scalar values, in document order. */
    Map<String, ValueAt> stringMap(String key) {
        Optional<YamlNode.Entry> e = entry(key);
        if (e.isEmpty()) {
            return Map.of();
        }
        if (!(e.get().value() instanceof YamlNode.Mapping m)) {
            problems.error(e.get().keyPosition(), field(key), "must be a mapping of names to values, not "
                    + YamlNode.describe(e.get().value()));
            return Map.of();
        }
        Map<String, ValueAt> out = new LinkedHashMap<>();
        for (YamlNode.Entry entry : m.entries().values()) {
            String f = field(key) + "." + entry.key();
            YamlNode value = entry.value();
            if (value instanceof YamlNode.Scalar s && s.isNull()) {
                out.put(entry.key(), new ValueAt("", entry.keyPosition(), f));
            } else {
                scalarText(value, entry.keyPosition(), f)
                        .ifPresent(text -> out.put(entry.key(), new ValueAt(text, entry.keyPosition(), f)));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** A scalar read as text exactly as written; numbers and booleans are accepted as text. */
    Optional<String> scalarText(YamlNode node, YamlNode.Position at, String field) {
        if (node instanceof YamlNode.Scalar s && !s.isNull()) {
            return Optional.of(s.text());
        }
        problems.error(at, field, "must be a single value, not " + YamlNode.describe(node));
        return Optional.empty();
    }

    /** Reports keys that no one read. Call once every field has been asked for. */
    void finish() {
        for (YamlNode.Entry e : mapping.entries().values()) {
            if (!known.contains(e.key()) && !e.key().startsWith("x-")) {
                problems.error(e.keyPosition(), field(e.key()), "unknown field" + suggestion(e.key()));
            }
        }
    }

    private String suggestion(String key) {
        Function<String, Integer> distance = k -> Levenshtein.distance(k, key);
        return knownInOrder.stream()
                .filter(k -> distance.apply(k) <= Math.max(1, k.length() / 3))
                .min((a, b) -> distance.apply(a) - distance.apply(b))
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse(" (known fields" + (path.isEmpty() ? "" : " of " + path) + ": "
                        + String.join(", ", knownInOrder) + ")");
    }

    @FunctionalInterface
    interface ItemReader<T> {
        Optional<T> read(YamlNode node, String field);
    }

    /** A scalar value with where its key was written. */
    record ValueAt(String text, YamlNode.Position position, String field) {
    }
}
