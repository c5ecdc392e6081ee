package dev.extfarm.cli.cnpg;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What CloudNativePG makes of a Cluster's {@code .spec.postgresql} {@code extensions} (and
 * {@code shared_preload_libraries}), by its documentation
 * (https://cloudnative-pg.io/documentation/current/imagevolume_extensions/, "Mounting and PostgreSQL
 * Configuration", "Advanced Topics"): each image is mounted read-only at {@code /extensions/<name>};
 * {@code extension_control_path} is {@code $system} followed by {@code /extensions/<name>/<path>} for
 * each entry's {@code extension_control_path} (default {@code share}), in list order;
 * {@code dynamic_library_path} is {@code $libdir} followed by each entry's {@code dynamic_library_path}
 * (default {@code lib}) the same way; each entry's {@code ld_library_path} (no default) is appended
 * to the {@code LD_LIBRARY_PATH} of the process that starts PostgreSQL. Paths are joined and
 * cleaned ({@code /share} and {@code share} are the same directory).
 */
record CnpgSettings(String extensionControlPath, String dynamicLibraryPath, String ldLibraryPath,
                    List<String> sharedPreloadLibraries) {

    static final String BASE = "/extensions";

    static CnpgSettings of(JsonNode postgresql) {
        List<String> control = new ArrayList<>(List.of("$system"));
        List<String> libraries = new ArrayList<>(List.of("$libdir"));
        List<String> ld = new ArrayList<>();
        for (JsonNode e : postgresql.path("extensions")) {
            String name = e.path("name").asText();
            paths(e.path("extension_control_path"), "share").forEach(p -> control.add(join(name, p)));
            paths(e.path("dynamic_library_path"), "lib").forEach(p -> libraries.add(join(name, p)));
            paths(e.path("ld_library_path"), null).forEach(p -> ld.add(join(name, p)));
        }
        List<String> preload = new ArrayList<>();
        postgresql.path("shared_preload_libraries").forEach(l -> preload.add(l.asText()));
        return new CnpgSettings(String.join(":", control), String.join(":", libraries), String.join(":", ld), preload);
    }

    private static List<String> paths(JsonNode list, String byDefault) {
        List<String> out = new ArrayList<>();
        list.forEach(p -> out.add(p.asText()));
        if (out.isEmpty() && byDefault != null) {
            out.add(byDefault);
        }
        return out;
    }

    private static String join(String name, String path) {
        return Path.of(BASE, name, path).normalize().toString();
    }

    /** The lines CNPG's configuration would hold for these settings. */
    String postgresqlConf() {
        StringBuilder conf = new StringBuilder()
                .append("extension_control_path = '").append(extensionControlPath).append("'\n")
                .append("dynamic_library_path = '").append(dynamicLibraryPath).append("'\n");
        if (!sharedPreloadLibraries.isEmpty()) {
            conf.append("shared_preload_libraries = '").append(String.join(",", sharedPreloadLibraries)).append("'\n");
        }
        return conf.toString();
    }

    /** The environment of the process that starts PostgreSQL. */
    Map<String, String> environment() {
        return ldLibraryPath.isEmpty() ? Map.of() : Map.of("LD_LIBRARY_PATH", ldLibraryPath);
    }
}
