package dev.extfarm.bundle;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL extension control file ({@code name = value} lines, {@code #} comments, values
 * optionally in single quotes with {@code ''} or {@code \'} for a quote), parsed the way
 * PostgreSQL's guc-file parser reads it, far enough to read what the manifest needs.
 */
public record ControlFile(String extension, Map<String, String> values) {

    public static ControlFile parse(String extension, byte[] bytes) {
        Map<String, String> values = new LinkedHashMap<>();
        String text = new String(bytes, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = stripComment(raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(extension + ".control:" + lineNo + ": expected name = value");
            }
            String key = line.substring(0, eq).strip().toLowerCase();
            values.put(key, unquote(line.substring(eq + 1).strip()));
        }
        return new ControlFile(extension, Map.copyOf(values));
    }

    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '#' && !quoted) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
            return v.substring(1, v.length() - 1).replace("''", "'").replace("\\'", "'");
        }
        return v;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public Optional<String> defaultVersion() {
        return get("default_version");
    }

    public Optional<String> comment() {
        return get("comment");
    }

    /** {@code module_pathname} without a leading {@code $libdir/}, e.g. {@code vector}. */
    public Optional<String> moduleName() {
        return get("module_pathname").map(ControlFile::stripLibdir);
    }

    public List<String> requires() {
        return get("requires").map(r -> Arrays.stream(r.split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
    }

    public static String stripLibdir(String path) {
        return path.startsWith("$libdir/") ? path.substring("$libdir/".length()) : path;
    }
}
