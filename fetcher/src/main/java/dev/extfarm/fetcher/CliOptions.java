package dev.extfarm.fetcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value}, {@code --name=value}, repeatable; {@link #FLAGS} take no value; the rest are positional. */
final class CliOptions {
    static final Set<String> FLAGS = Set.of("allow-unsigned", "trust-registry-keys");

    final Map<String, List<String>> values = new LinkedHashMap<>();
    final List<String> positional = new ArrayList<>();

    static CliOptions parse(String[] args) {
        CliOptions o = new CliOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                o.positional.add(a);
                continue;
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (FLAGS.contains(name)) {
                value = "true";
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            o.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return o;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String one(String name, String dflt) {
        List<String> v = values.get(name);
        return v == null ? dflt : v.get(v.size() - 1);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    Duration duration(String name, Duration dflt) {
        String v = one(name, null);
        if (v == null) {
            return dflt;
        }
        v = v.strip().toLowerCase();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            char unit = v.charAt(v.length() - 1);
            long n = Character.isDigit(unit) ? Long.parseLong(v) : Long.parseLong(v.substring(0, v.length() - 1));
            return switch (unit) {
                case 'h' -> Duration.ofHours(n);
                case 'm' -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must look like 30s, 5m, 1h or 500ms, was '" + v + "'");
        }
    }

    static long size(String v) {
        String s = v.strip().toUpperCase().replace("IB", "").replace("B", "");
        long mult = 1;
        char unit = s.isEmpty() ? '0' : s.charAt(s.length() - 1);
        switch (unit) {
            case 'K' -> mult = 1L << 10;
            case 'M' -> mult = 1L << 20;
            case 'G' -> mult = 1L << 30;
            default -> { }
        }
        try {
            return Long.parseLong(mult == 1 ? s : s.substring(0, s.length() - 1)) * mult;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a size looks like 1048576, 512K, 10M or 2G, was '" + v + "'");
        }
    }
}
