package dev.extfarm.worker.pipeline;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The smoke-test server's settings: the recipe's {@code test.settings} as postgresql.conf lines,
 * and {@code shared_preload_libraries}, which joins the recipe's value with the bundle's own
 * modules when the recipe declares {@code install.shared_preload} (so an extension that needs
 * preloading is tested with it, and one that does not, without).
 */
final class SmokeTestConf {

    static final String SHARED_PRELOAD = "shared_preload_libraries";

    private SmokeTestConf() {
    }

    /** postgresql.conf lines: the recipe's settings, and {@code shared_preload_libraries} as {@link #sharedPreload}. */
    static String settings(BuildJob job, List<String> bundleLibraries) {
        StringBuilder conf = new StringBuilder();
        job.testSettings().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .filter(e -> !e.getKey().equals(SHARED_PRELOAD))
                .forEach(e -> conf.append(e.getKey()).append(" = ").append(quote(e.getValue())).append('\n'));
        String preload = sharedPreload(job, bundleLibraries);
        if (!preload.isEmpty()) {
            conf.append(SHARED_PRELOAD).append(" = ").append(quote(preload)).append('\n');
        }
        return conf.toString();
    }

    /** The recipe's preloads, then the bundle's modules when it declares install.shared_preload. */
    static String sharedPreload(BuildJob job, List<String> bundleLibraries) {
        Set<String> libs = new LinkedHashSet<>();
        String declared = job.testSettings().getOrDefault(SHARED_PRELOAD, "");
        for (String lib : declared.split(",")) {
            if (!lib.isBlank()) {
                libs.add(lib.strip());
            }
        }
        if (job.sharedPreload()) {
            libs.addAll(bundleLibraries);
        }
        return String.join(",", libs);
    }

    /** A postgresql.conf string literal. The recipe module has refused control characters already. */
    static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
