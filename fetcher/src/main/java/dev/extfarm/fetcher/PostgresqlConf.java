package dev.extfarm.fetcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the three preload settings from {@code postgresql.conf} and then {@code
 * postgresql.auto.conf} beside it (ALTER SYSTEM wins), the last assignment of each winning, as
 * PostgreSQL does. {@code include} directives are not followed: give the settings explicitly when
 * they live in included files.
 */
public final class PostgresqlConf {

    private PostgresqlConf() {
    }

    public static FetcherSettings.Preload read(Path conf) throws IOException {
        Map<String, String> values = new HashMap<>();
        parse(conf, values);
        Path auto = conf.resolveSibling("postgresql.auto.conf");
        if (Files.exists(auto)) {
            parse(auto, values);
        }
        return new FetcherSettings.Preload(list(values.get("shared_preload_libraries")),
                list(values.get("session_preload_libraries")), list(values.get("local_preload_libraries")));
    }

    private static void parse(Path file, Map<String, String> values) throws IOException {
        for (String raw : Files.readAllLines(file)) {
            String line = stripComment(raw).strip();
            int eq = line.indexOf('=');
            String key;
            String value;
            if (eq > 0) {
                key = line.substring(0, eq).strip().toLowerCase();
                value = line.substring(eq + 1).strip();
            } else {
                String[] kv = line.split("\\s+", 2);
                if (kv.length < 2) {
                    continue;
                }
                key = kv[0].toLowerCase();
                value = kv[1].strip();
            }
            if (key.endsWith("preload_libraries")) {
                if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
                    value = value.substring(1, value.length() - 1).replace("''", "'");
                }
                values.put(key, value);
            }
        }
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

    static List<String> list(String v) {
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(s -> s.strip().replace("\"", "")).filter(s -> !s.isEmpty()).toList();
    }
}
