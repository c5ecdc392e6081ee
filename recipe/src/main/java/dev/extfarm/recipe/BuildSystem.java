package dev.extfarm.recipe;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How an extension is built. Only PGXS is supported so far; the others are recognised so that a
 * recipe naming them gets "not supported yet" rather than "unknown". */
public enum BuildSystem {
    PGXS(true),
    CMAKE(false),
    PGRX(false);

    private final boolean supported;

    BuildSystem(boolean supported) {
        this.supported = supported;
    }

    public boolean isSupported() {
        return supported;
    }

    /** The spelling used in recipe.yaml. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BuildSystem> fromYamlName(String text) {
        return Arrays.stream(values()).filter(s -> s.yamlName().equals(text)).findFirst();
    }
}
