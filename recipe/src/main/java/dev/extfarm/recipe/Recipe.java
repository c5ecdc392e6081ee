package dev.extfarm.recipe;

import java.net.URI;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A validated recipe: how to fetch, patch, build, install and smoke-test one extension version.
 * Instances come from {@link RecipeParser}, which has checked every field and filled in the
 * defaults; {@code docs/recipes.md} describes each field.
 *
 * @param pgMajors the PostgreSQL majors to build for: those listed in {@code pg} that the farm
 *     serves, or all the farm serves when {@code pg} is absent; ascending, never empty
 * @param sourceDateEpoch as written in the recipe; when empty the builder uses
 *     {@link dev.extfarm.recipe.source.UnpackedSource#newestEntryEpochSecond()}
 */
public record Recipe(
        String name,
        String version,
        Optional<String> description,
        String license,
        Optional<URI> homepage,
        Source source,
        List<Integer> pgMajors,
        Build build,
        Install install,
        SmokeTest test,
        OptionalLong sourceDateEpoch) {

    public Recipe {
        description = description == null ? Optional.empty() : description;
        homepage = homepage == null ? Optional.empty() : homepage;
        pgMajors = List.copyOf(pgMajors);
    }

    /** Where the upstream source archive comes from; its sha-256 is always pinned. */
    public sealed interface Source permits UrlSource, DebianSource, BundledSource {
        /** 64 lowercase hex digits: the sha-256 of the archive bytes. */
        String sha256();

        /** Directory inside the archive to build in; empty: the single top-level directory. */
        Optional<String> subdir();
    }

    /** An archive at an http, https or file URL. */
    public record UrlSource(URI url, String sha256, Optional<String> subdir) implements Source {
    }

    /**
     * An archive carried inside the recipe bundle itself, as {@code source/<file>} next to
     * recipe.yaml (for sources that are published nowhere else, such as this repository's own
     * pg_extfarm module). Part of the recipe revision; still pinned by sha-256 like any source.
     */
    public record BundledSource(String file, String sha256, Optional<String> subdir) implements Source {
    }

    /**
     * The upstream ({@code .orig.tar.*}) tarball of a Debian source package, found through the
     * {@code Sources} index of the configured suites.
     *
     * @param version a Debian version ({@code 0.8.0-1}) or an upstream version ({@code 0.8.0}),
     *     which matches every Debian revision of it
     */
    public record DebianSource(String packageName, String version, String sha256, Optional<String> subdir)
            implements Source {
    }

    /**
     * @param makeFlags {@code NAME=value} assignments passed to every {@code make} invocation
     * @param env extra environment of the build steps, sorted by name
     * @param preBuild shell script run in the source directory after patching, before make
     * @param buildPackages Debian packages installed in the build image
     * @param runtimePackages Debian packages whose libraries the runtime system is expected to have
     * @param patches file names under {@code patches/}, applied in this order with {@code patch -p1}
     */
    public record Build(
            BuildSystem system,
            List<String> makeFlags,
            Map<String, String> env,
            Optional<String> preBuild,
            List<String> buildPackages,
            List<String> runtimePackages,
            List<String> patches) {

        public Build {
            makeFlags = List.copyOf(makeFlags);
            env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
            buildPackages = List.copyOf(buildPackages);
            runtimePackages = List.copyOf(runtimePackages);
            patches = List.copyOf(patches);
        }
    }

    /**
     * @param sharedPreload the module must be in {@code shared_preload_libraries}
     * @param preload the module is meant for {@code session_preload_libraries} /
     *     {@code local_preload_libraries}
     * @param stripLibdir strip {@code $libdir/} from {@code module_pathname} and SQL {@code AS} clauses
     */
    public record Install(boolean sharedPreload, boolean preload, boolean stripLibdir) {
    }

    /**
     * @param sql run after {@code CREATE EXTENSION} of each of {@code extensions}
     * @param extensions control names to create; empty: every control file the bundle carries
     */
    public record SmokeTest(Optional<String> sql, List<String> extensions) {

        public SmokeTest {
            extensions = List.copyOf(extensions);
        }
    }
}
