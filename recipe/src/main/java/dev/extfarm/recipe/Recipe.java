package dev.extfarm.recipe;

import dev.extfarm.bundle.Digests;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A validated recipe: how to fetch, patch, build, install and smoke-test one extension version.
 * Instances come from {@link RecipeParser}, which has checked every field and filled in the
 * defaults; {@code docs/recipes.md} describes each field.
 *
 * @param pgMajors the PostgreSQL majors to build for: those listed in {@code pg} that the farm
 *     serves, or all the farm serves when {@code pg} is absent; ascending, never empty
 * @param version the top-level version; when the recipe gives none because {@code variants} cover
 *     every major, the version of the newest major (use {@link #versionFor(int)} for a build)
 * @param source likewise: the top-level source, or the newest major's
 * @param variants major → the version and source its variant gives; majors not in it use the
 *     top-level ones
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
        OptionalLong sourceDateEpoch,
        Map<Integer, Variant> variants) {

    public Recipe {
        description = description == null ? Optional.empty() : description;
        homepage = homepage == null ? Optional.empty() : homepage;
        pgMajors = List.copyOf(pgMajors);
        variants = variants == null ? Map.of() : Collections.unmodifiableSortedMap(new TreeMap<>(variants));
    }

    /**
     * The version and source of some majors, when upstream keeps one release line per PostgreSQL
     * major (pgaudit 1.7 for 15, 17.x for 17). The top-level {@code version} and {@code source}
     * serve every major no variant lists.
     */
    public record Variant(List<Integer> pgMajors, String version, Source source) {

        public Variant {
            pgMajors = List.copyOf(pgMajors);
        }
    }

    /** The recipe as built for one major: that major's version and source, no variants. */
    public Recipe forMajor(int pgMajor) {
        if (!pgMajors.contains(pgMajor)) {
            throw new IllegalArgumentException(name + " is not built for PostgreSQL " + pgMajor + " (it is for " + pgMajors + ")");
        }
        Variant v = variants.get(pgMajor);
        return new Recipe(name, v == null ? version : v.version(), description, license, homepage,
                v == null ? source : v.source(), List.of(pgMajor), build, install, test, sourceDateEpoch, Map.of());
    }

    /** The version built for {@code pgMajor}. */
    public String versionFor(int pgMajor) {
        Variant v = variants.get(pgMajor);
        return v == null ? version : v.version();
    }

    /** The source built for {@code pgMajor}. */
    public Source sourceFor(int pgMajor) {
        Variant v = variants.get(pgMajor);
        return v == null ? source : v.source();
    }

    /** Every source some built major uses, each once, in major order. */
    public List<Source> sources() {
        return pgMajors.stream().map(this::sourceFor).distinct().toList();
    }

    /** Where the upstream source archive comes from; its sha-256 is always pinned. */
    public sealed interface Source permits UrlSource, DebianSource, BundledSource, GitSource {
        /**
         * 64 lowercase hex digits that pin the source: the sha-256 of the archive bytes; for a git
         * source the sha-256 of {@code git-commit <commit>} (see {@link GitSource#sha256()}).
         */
        String sha256();

        /** Directory inside the archive to build in; empty: the single top-level directory. */
        Optional<String> subdir();

        /**
         * Where anyone can get this source, as a public http(s) URL that depends on the recipe alone
         * (never on a worker's mirror or cache), or empty when there is none. Images carry it as
         * {@code org.opencontainers.image.source}.
         */
        Optional<URI> publicUrl();
    }

    /** An archive at an http, https or file URL. */
    public record UrlSource(URI url, String sha256, Optional<String> subdir) implements Source {
        /** The URL itself, unless it is a {@code file:} URL. */
        @Override
        public Optional<URI> publicUrl() {
            return "http".equals(url.getScheme()) || "https".equals(url.getScheme()) ? Optional.of(url) : Optional.empty();
        }
    }

    /**
     * A commit of a git repository, exported by the farm as a deterministic tar archive of its tree
     * (see {@code dev.extfarm.recipe.source.GitSources}): the commit is the pin.
     *
     * @param url the repository, {@code https://host/path[.git]}
     * @param commit 40 lowercase hex digits
     * @param tag when given, must name {@code commit} in the repository (checked on every fetch)
     */
    public record GitSource(URI url, String commit, Optional<String> tag, Optional<String> subdir) implements Source {

        /**
         * The key the farm schedules, records and caches this source by: the sha-256 of
         * {@code "git-commit " + commit}. A commit fixes its tree, and the export is deterministic,
         * so this pins the archive as strongly as the commit does; the exported archive's own sha-256
         * is in each bundle's manifest ({@code build.source_sha256}) and SBOM.
         */
        @Override
        public String sha256() {
            return Digests.sha256(("git-commit " + commit).getBytes(StandardCharsets.US_ASCII));
        }

        /** The repository's URL. */
        @Override
        public Optional<URI> publicUrl() {
            return Optional.of(url);
        }
    }

    /**
     * An archive carried inside the recipe bundle itself, as {@code source/<file>} next to
     * recipe.yaml (for sources that are published nowhere else, such as this repository's own
     * pg_extfarm module). Part of the recipe revision; still pinned by sha-256 like any source.
     */
    public record BundledSource(String file, String sha256, Optional<String> subdir) implements Source {
        /** None: the archive travels with the recipe. */
        @Override
        public Optional<URI> publicUrl() {
            return Optional.empty();
        }
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
        /**
         * The package version on sources.debian.org ({@code https://sources.debian.org/src/<package>/<version>/}),
         * or the package's page there when {@code version} is an upstream version (no Debian revision),
         * which names no single Debian version.
         */
        @Override
        public Optional<URI> publicUrl() {
            String base = "https://sources.debian.org/src/" + packageName + "/";
            return Optional.of(URI.create(version.contains("-") ? base + version + "/" : base));
        }
    }

    /**
     * @param makeFlags {@code NAME=value} assignments passed to every {@code make} invocation
     * @param env extra environment of the build steps, sorted by name
     * @param preBuild shell script run in the source directory after patching, before make
     * @param buildPackages Debian packages installed in the build image
     * @param runtimePackages Debian packages whose libraries the runtime system is expected to have
     * @param patches file names under {@code patches/}, applied in this order with {@code patch -p1}
     * @param configureArgs {@code autoconf}: arguments of {@code ./configure}, each one argument (no shell)
     * @param cmakeArgs {@code cmake}: {@code -DNAME[:TYPE]=value} arguments of the configure step (no shell)
     * @param buildCommands {@code script}: bash command lines run in order in the source directory
     * @param installCommands {@code script}: bash command lines that install into {@code $DESTDIR}
     */
    public record Build(
            BuildSystem system,
            List<String> makeFlags,
            Map<String, String> env,
            Optional<String> preBuild,
            List<String> buildPackages,
            List<String> runtimePackages,
            List<String> patches,
            List<String> configureArgs,
            List<String> cmakeArgs,
            List<String> buildCommands,
            List<String> installCommands) {

        public Build {
            makeFlags = List.copyOf(makeFlags);
            env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
            buildPackages = List.copyOf(buildPackages);
            runtimePackages = List.copyOf(runtimePackages);
            patches = List.copyOf(patches);
            configureArgs = List.copyOf(configureArgs);
            cmakeArgs = List.copyOf(cmakeArgs);
            buildCommands = List.copyOf(buildCommands);
            installCommands = List.copyOf(installCommands);
        }

        /** A build with no system-specific arguments (PGXS recipes). */
        public Build(BuildSystem system, List<String> makeFlags, Map<String, String> env, Optional<String> preBuild,
                     List<String> buildPackages, List<String> runtimePackages, List<String> patches) {
            this(system, makeFlags, env, preBuild, buildPackages, runtimePackages, patches, List.of(), List.of(), List.of(), List.of());
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
     * @param sql one or more statements run in one session after {@code CREATE EXTENSION} of each of
     *     {@code extensions}; they must succeed and answer (see {@code expect})
     * @param extensions control names to create; empty: every control file the bundle carries
     * @param settings server settings written to the smoke-test server's postgresql.conf before it
     *     starts ({@code wal_level}, {@code shared_preload_libraries}, an extension's own GUCs), by name
     * @param expect the exact output {@code sql} must print ({@code psql -At}: a line per row, columns
     *     separated by {@code |}); without it the output must not be empty and no value may be false
     */
    public record SmokeTest(Optional<String> sql, List<String> extensions, Map<String, String> settings,
                            Optional<String> expect, Regress regress) {

        public SmokeTest {
            extensions = List.copyOf(extensions);
            settings = Collections.unmodifiableSortedMap(new TreeMap<>(settings));
            expect = expect == null ? Optional.empty() : expect;
            regress = regress == null ? Regress.AUTO : regress;
        }

        public SmokeTest(Optional<String> sql, List<String> extensions, Map<String, String> settings, Optional<String> expect) {
            this(sql, extensions, settings, expect, Regress.AUTO);
        }

        public SmokeTest(Optional<String> sql, List<String> extensions) {
            this(sql, extensions, Map.of(), Optional.empty());
        }
    }

    /**
     * Upstream's regression suite, run against a server set up like the smoke test's
     * ({@code test.regress}, {@code test.known_failures}; docs/recipes.md).
     *
     * @param mode {@link Mode#AUTO}: the PGXS {@code REGRESS} of the source's Makefile, when it
     *     declares one; {@link Mode#OFF}: never; {@link Mode#LISTED}: {@code tests} from {@code inputdir}
     * @param tests the test names of a {@link Mode#LISTED} suite, in order
     * @param inputdir where {@code sql/} and {@code expected/} are, relative to the source directory
     * @param knownFailures test name → why it fails: such a failure is a warning, not a failed build
     */
    /**
     * Upstream's regression suite. {@code loadExtensions}: extensions pg_regress creates in its
     * database before the listed tests ({@code --load-extension}), for suites whose tests do not
     * run {@code CREATE EXTENSION} themselves; only with listed tests (PGXS suites say it in
     * {@code REGRESS_OPTS}).
     */
    public record Regress(Mode mode, List<String> tests, Optional<String> inputdir, Map<String, String> knownFailures,
                          List<String> loadExtensions) {

        public enum Mode { AUTO, OFF, LISTED }

        public static final Regress AUTO = new Regress(Mode.AUTO, List.of(), Optional.empty(), Map.of());
        public static final Regress OFF = new Regress(Mode.OFF, List.of(), Optional.empty(), Map.of());

        /** A pg_regress test name ({@code sql/<name>.sql}, {@code expected/<name>.out}): in recipes and in reports. */
        public static final Pattern TEST_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}");

        public Regress(Mode mode, List<String> tests, Optional<String> inputdir, Map<String, String> knownFailures) {
            this(mode, tests, inputdir, knownFailures, List.of());
        }

        public Regress {
            tests = List.copyOf(tests);
            loadExtensions = loadExtensions == null ? List.of() : List.copyOf(loadExtensions);
            inputdir = inputdir == null ? Optional.empty() : inputdir;
            knownFailures = Collections.unmodifiableSortedMap(new TreeMap<>(knownFailures));
        }
    }
}
