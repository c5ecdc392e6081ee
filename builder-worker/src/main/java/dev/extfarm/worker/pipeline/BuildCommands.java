package dev.extfarm.worker.pipeline;

import dev.extfarm.recipe.BuildSystem;
import dev.extfarm.recipe.Recipe;
import java.util.List;

/**
 * What a recipe's build system runs between {@code pre_build} and the collection of
 * {@code /out/install} ({@code build.system} and its fields). The arguments reach configure and
 * cmake one by one, never through a shell; the script commands are bash, run like
 * {@code pre_build}: all of it inside the same sandbox (see build.sh).
 */
public record BuildCommands(BuildSystem system, List<String> configureArgs, List<String> cmakeArgs,
                            List<String> buildCommands, List<String> installCommands) {

    /** A PGXS build: make and make install. */
    public static final BuildCommands PGXS = new BuildCommands(BuildSystem.PGXS, List.of(), List.of(), List.of(), List.of());

    public BuildCommands {
        configureArgs = List.copyOf(configureArgs);
        cmakeArgs = List.copyOf(cmakeArgs);
        buildCommands = List.copyOf(buildCommands);
        installCommands = List.copyOf(installCommands);
    }

    public static BuildCommands of(Recipe.Build build) {
        return new BuildCommands(build.system(), build.configureArgs(), build.cmakeArgs(), build.buildCommands(),
                build.installCommands());
    }

    /** Debian packages the system itself needs in the build image (cmake is not in the base image). */
    List<String> toolPackages() {
        return system == BuildSystem.CMAKE ? List.of("cmake") : List.of();
    }
}
