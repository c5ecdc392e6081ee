package dev.extfarm.recipe;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How an extension is built ({@code build.system}). Every supported system runs in the same
 * sandbox with the same reproducible flags, RUNPATH and library bundling; they differ only in the
 * commands between {@code pre_build} and the collection of {@code /out/install}. {@code pgrx} is
 * recognised so that a recipe naming it gets "not supported yet" rather than "unknown".
 */
public enum BuildSystem {
    /** {@code make} and {@code make install} with PGXS (the default). */
    PGXS(true),
    /** {@code ./configure} with {@code build.configure_args}, then the PGXS make. */
    AUTOCONF(true),
    /** {@code cmake} with {@code build.cmake_args}, {@code cmake --build}, {@code cmake --install} with DESTDIR. */
    CMAKE(true),
    /** The recipe's own {@code build.build_commands} and {@code build.install_commands}. */
    SCRIPT(true),
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

    /** True when the build runs the PGXS {@code make} (and so reads {@code make_flags}). */
    public boolean usesMake() {
        return this == PGXS || this == AUTOCONF;
    }

    public static Optional<BuildSystem> fromYamlName(String text) {
        return Arrays.stream(values()).filter(s -> s.yamlName().equals(text)).findFirst();
    }
}
