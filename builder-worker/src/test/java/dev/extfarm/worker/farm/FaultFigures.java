package dev.extfarm.worker.farm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * Mode and figures of the fault suites. CI (the default): a few kills, seconds of load.
 * {@code -Dextfarm.faults.mode=full} (or EXTFARM_FAULTS_MODE=full, what infra/faults/*.sh set):
 * the issue's sizes. Every figure is printed as {@code FAULTS <suite> <key>=<value>} and appended
 * to target/faults-figures.txt.
 */
final class FaultFigures {

    private FaultFigures() {
    }

    static boolean full() {
        return "full".equals(setting("extfarm.faults.mode", "ci"));
    }

    /** A size of the run: -Dextfarm.faults.KEY, else the full or the CI value. */
    static int size(String key, int ci, int full) {
        return Integer.parseInt(setting("extfarm.faults." + key, String.valueOf(full() ? full : ci)));
    }

    static String setting(String property, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(property.toUpperCase(Locale.ROOT).replace('.', '_'));
        }
        return v == null || v.isBlank() ? fallback : v;
    }

    static void report(String suite, String key, Object value) {
        String line = "FAULTS " + suite + " " + key + "=" + value + " (" + (full() ? "full" : "ci") + ")";
        System.out.println(line);
        try {
            Path f = Path.of("target", "faults-figures.txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("could not record figure: " + e);
        }
    }

    /** p-th percentile (0..100) of millisecond values, nearest rank. */
    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
