package dev.extfarm.recipe;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code test.settings}: server settings for the smoke-test server, written to its
 * postgresql.conf before it starts. Names are PostgreSQL setting names (with a dot for an
 * extension's own: {@code pg_hint_plan.enable_hint}); values are single-line text. The settings
 * that decide where the server listens and where its files are belong to the builder.
 */
final class SmokeTestSettings {

    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");
    static final int MAX_SETTINGS = 64;
    static final int MAX_VALUE = 1024;
    /** Where the smoke-test server listens and keeps its files: the builder's. */
    static final Set<String> RESERVED = Set.of("listen_addresses", "port", "unix_socket_directories", "unix_socket_group",
            "unix_socket_permissions", "data_directory", "config_file", "hba_file", "ident_file", "external_pid_file",
            "include", "include_dir", "include_if_exists", "ssl", "archive_command", "restore_command", "archive_library");

    private SmokeTestSettings() {
    }

    static Map<String, String> read(MappingReader test) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, MappingReader.ValueAt> raw = test.stringMap("settings");
        if (raw.size() > MAX_SETTINGS) {
            test.problems().error(test.keyPosition("settings").orElseThrow(), "test.settings", "more than " + MAX_SETTINGS + " settings");
            return Map.of();
        }
        for (var e : raw.entrySet()) {
            String name = e.getKey();
            MappingReader.ValueAt v = e.getValue();
            if (!NAME.matcher(name).matches()) {
                test.problems().error(v.position(), v.field(), "'" + name + "' is not a PostgreSQL setting name (such as wal_level or pg_hint_plan.enable_hint)");
            } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                test.problems().error(v.position(), v.field(), "is the builder's: the smoke-test server's addresses, files and archiving are not the recipe's to set");
            } else if (v.text().length() > MAX_VALUE || v.text().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                test.problems().error(v.position(), v.field(), "must be one line of at most " + MAX_VALUE + " characters without control characters");
            } else {
                out.put(name.toLowerCase(Locale.ROOT), v.text());
            }
        }
        return out;
    }
}
