package dev.extfarm.cli.config;

import java.util.Map;
import java.util.Optional;

/**
 * The environment variables commands read (EXTFARM_*, XDG_CONFIG_HOME, HOME). {@code Main.run}
 * sets them for the duration of one command line, so tests can run commands with their own
 * environment (a temporary XDG_CONFIG_HOME, say) without touching the JVM's.
 */
public final class CliEnvironment {

    private static volatile Map<String, String> current = System.getenv();

    private CliEnvironment() {
    }

    /** A non-blank variable, stripped. */
    public static Optional<String> get(String name) {
        String v = current.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    /** Replaces the environment; returns the previous one (to restore it). */
    public static Map<String, String> set(Map<String, String> env) {
        Map<String, String> previous = current;
        current = Map.copyOf(env);
        return previous;
    }
}
